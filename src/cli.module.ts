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
import { PhaseGates } from './migration/gates/phase-gates';
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
 * phase changes. `migrate` works between the two stores, so it connects both up front; the others
 * connect what they touch when they get to it (`schema`: the stores MIGRATION_PHASE uses, or
 * `--store`; `phase`: where the phase record is; `mongo`: MongoDB, and Cassandra if the record
 * lives there).
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
    // `schema`, `phase`: they connect the stores they work on when they get to them
    const required = migrating
      ? BOTH_STORES
      : backingUp
        ? { mongo: true, cassandra: false }
        : NO_STORES;
    const withPhase = migrating || phasing || backingUp;
    return {
      module: CliModule,
      imports: [
        AppConfigModule.forRoot(config),
        DatabaseModule.forRoot(config, required),
        SchemaModule.forRoot(config, { checkOnStartup: false }, BOTH_STORES),
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
