import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig } from './config/app-config';
import { AppConfigModule } from './config/app-config.module';
import { BOTH_STORES, NO_STORES } from './config/migration-phase';
import { DatabaseModule } from './database/database.module';
import {
  MigrateBackfillCommand,
  MigrateCommand,
  MigrateReconcileCommand,
  MigrateVerifyCommand,
} from './migration/commands/migrate.command';
import { MigrationModule } from './migration/migration.module';
import { MongoBackupModule } from './mongo-backup/mongo-backup.module';
import { PhaseCommand, PhaseSetCommand, PhaseShowCommand } from './phase/commands/phase.command';
import { PhaseGates } from './phase/phase-gates';
import { PhaseModule } from './phase/phase.module';
import { SchemaModule } from './schema/schema.module';
import {
  SchemaCommand,
  SchemaMigrateCommand,
  SchemaStatusCommand,
} from './schema/commands/schema.command';
import { PostStoreModule } from './store/post-store.module';

/**
 * Everything the CLI needs and nothing more: no HTTP server, no scheduled jobs, no following of
 * phase changes. `schema` commands connect what MIGRATION_PHASE uses; `migrate` works between
 * the two stores, so it connects both; `phase` and `mongo` connect what they touch (`mongo`:
 * MongoDB up front, Cassandra if the phase record lives there).
 */
@Module({})
export class CliModule {
  static forRoot(
    config: AppConfig,
    argv: readonly string[] = process.argv.slice(2),
  ): DynamicModule {
    const group = argv[0];
    const migrating = group === 'migrate';
    const phasing = group === 'phase';
    const backingUp = group === 'mongo';
    const required = migrating
      ? BOTH_STORES
      : phasing
        ? NO_STORES
        : backingUp
          ? { mongo: true, cassandra: false }
          : config.stores;
    const withPhase = migrating || phasing || backingUp;
    return {
      module: CliModule,
      imports: [
        AppConfigModule.forRoot(config),
        DatabaseModule.forRoot(config, required),
        SchemaModule.forRoot(config, { checkOnStartup: false }, withPhase ? BOTH_STORES : required),
        ...(withPhase ? [PhaseModule.forRoot(config, { follow: false })] : []),
        ...(migrating || phasing
          ? [PostStoreModule.forRoot(), MigrationModule.forRoot({ jobs: false })]
          : []),
        ...(backingUp ? [MongoBackupModule] : []),
      ],
      providers: [
        SchemaCommand,
        SchemaMigrateCommand,
        SchemaStatusCommand,
        MigrateCommand,
        PhaseCommand,
        ...(migrating
          ? [MigrateBackfillCommand, MigrateVerifyCommand, MigrateReconcileCommand]
          : []),
        ...(phasing ? [PhaseGates, PhaseShowCommand, PhaseSetCommand] : []),
      ],
    };
  }
}
