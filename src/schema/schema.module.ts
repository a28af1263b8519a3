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

/** Schema migrations for the given stores (default: those the phase uses). Needs DatabaseModule. */
@Module({})
export class SchemaModule {
  static forRoot(
    config: AppConfig,
    options: SchemaModuleOptions,
    stores: StoresUsed = config.stores,
  ): DynamicModule {
    const providers: Provider[] = [SchemaService];
    if (stores.mongo) providers.push(MongoMigrationRunner);
    if (stores.cassandra) providers.push(CassandraMigrationRunner);
    if (options.checkOnStartup) providers.push(SchemaStartupCheck);
    return { module: SchemaModule, providers, exports: [SchemaService] };
  }
}
