import { DynamicModule, Module, Provider } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { StoresUsed } from '../config/migration-phase';
import { CassandraMigrationRunner } from './cassandra-migration.runner';
import { MongoMigrationRunner } from './mongo-migration.runner';
import { SchemaStartupCheck } from './schema-startup.check';
import { SchemaService } from './schema.service';

export interface SchemaModuleOptions {
  /** The web app checks (or, outside production, applies) migrations at boot; the CLI doesn't. */
  checkOnStartup: boolean;
}

/**
 * Schema migrations for the given stores (default: those MIGRATION_PHASE uses), global; with
 * `checkOnStartup`, the check PhaseModule runs before serving a phase's stores. Needs
 * DatabaseModule.
 */
@Module({})
export class SchemaModule {
  static forRoot(
    config: AppConfig,
    options: SchemaModuleOptions,
    stores: StoresUsed = config.stores,
  ): DynamicModule {
    const exported: Provider[] = [SchemaService];
    if (options.checkOnStartup) exported.push(SchemaStartupCheck);
    const runners: Provider[] = [];
    if (stores.mongo) runners.push(MongoMigrationRunner);
    if (stores.cassandra) runners.push(CassandraMigrationRunner);
    return {
      module: SchemaModule,
      global: true,
      providers: [...exported, ...runners],
      exports: exported,
    };
  }
}
