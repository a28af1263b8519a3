import { MetricsModule } from './metrics/metrics.module';
import { PhaseSwitchModule } from './phase/phase-switch.module';
import { DynamicModule, Module } from '@nestjs/common';
import { AuditCommand, AuditListCommand } from './audit/commands/audit.command';
import { AuditModule } from './audit/audit.module';
import { AccountsModule } from './accounts/accounts.module';
import { USER_COMMANDS } from './accounts/commands/user.command';
import { AppConfig } from './config/app-config';
import { AppConfigModule } from './config/app-config.module';
import { NO_STORES } from './config/migration-phase';
import { ControlModule } from './control/control.module';
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
import {
  SchemaCommand,
  SchemaMigrateCommand,
  SchemaStatusCommand,
} from './schema/commands/schema.command';
import { SchemaModule } from './schema/schema.module';
import { StoreModule } from './store/store.module';

/**
 * Every command of the CLI, and what they need: no HTTP server, no scheduled jobs, no following
 * of phase changes. Nothing is connected up front (so `--help` needs no database): each command
 * connects the stores it works on when it gets to them, and reads the phase from the phase
 * record, not from MIGRATION_PHASE.
 */
@Module({})
export class CliModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: CliModule,
      imports: [
        AppConfigModule.forRoot(config),
        MetricsModule,
        DatabaseModule.forRoot(config, NO_STORES),
        ControlModule,
        SchemaModule,
        StoreModule,
        MigrationModule,
        PhaseSwitchModule,
        MongoBackupModule,
        AccountsModule,
        AuditModule,
      ],
      providers: [
        SchemaCommand,
        SchemaMigrateCommand,
        SchemaStatusCommand,
        MigrateCommand,
        MigrateBackfillCommand,
        MigrateVerifyCommand,
        MigrateReconcileCommand,
        PhaseCommand,
        PhaseShowCommand,
        PhaseSetCommand,
        ...USER_COMMANDS,
        AuditCommand,
        AuditListCommand,
      ],
    };
  }
}
