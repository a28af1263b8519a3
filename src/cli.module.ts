import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig } from './config/app-config';
import { AppConfigModule } from './config/app-config.module';
import { DatabaseModule } from './database/database.module';
import {
  MigrateBackfillCommand,
  MigrateCommand,
  MigrateReconcileCommand,
  MigrateVerifyCommand,
} from './migration/commands/migrate.command';
import { MigrationModule } from './migration/migration.module';
import { MongoBackupModule } from './mongo-backup/mongo-backup.module';
import { PhaseModule } from './phase/phase.module';
import { SchemaModule } from './schema/schema.module';
import {
  SchemaCommand,
  SchemaMigrateCommand,
  SchemaStatusCommand,
} from './schema/commands/schema.command';
import { PostStoreModule } from './store/post-store.module';

/**
 * Everything the CLI needs and nothing more: no HTTP server, no boot-time migrations, no
 * scheduled jobs. `migrate` commands work between the two stores, so they connect both whatever
 * the phase; every other command connects only what the phase uses.
 */
@Module({})
export class CliModule {
  static forRoot(
    config: AppConfig,
    argv: readonly string[] = process.argv.slice(2),
  ): DynamicModule {
    const migrating = argv[0] === 'migrate';
    const backingUp = argv[0] === 'mongo';
    const stores = migrating || backingUp ? { mongo: true, cassandra: true } : config.stores;
    return {
      module: CliModule,
      imports: [
        AppConfigModule.forRoot(config),
        DatabaseModule.forRoot(config, stores),
        SchemaModule.forRoot(config, { checkOnStartup: false }, stores),
        PhaseModule.forRoot(config),
        ...(migrating
          ? [
              PostStoreModule.forRoot(config, stores),
              MigrationModule.forRoot(stores, { jobs: false }),
            ]
          : []),
        ...(backingUp ? [MongoBackupModule] : []),
      ],
      providers: [
        SchemaCommand,
        SchemaMigrateCommand,
        SchemaStatusCommand,
        MigrateCommand,
        ...(migrating
          ? [MigrateBackfillCommand, MigrateVerifyCommand, MigrateReconcileCommand]
          : []),
      ],
    };
  }
}
