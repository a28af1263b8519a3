import { Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { BlogMetrics } from '../metrics/blog-metrics';
import { CurrentPhase } from './current-phase';
import { Leases } from './lease';
import { MigrationState } from './migration-state';
import { PhaseControl } from './phase-control';
import { CassandraPhaseRecords, MongoPhaseRecords } from './phase-records';

/**
 * The migration's control plane, shared by the app, the CLI and the engine: the phase this
 * process serves (CurrentPhase, MIGRATION_PHASE until a phase record says otherwise), the phase
 * record and instance reports (PhaseControl), the jobs' durable state and their leases.
 */
@Module({
  providers: [
    {
      provide: CurrentPhase,
      inject: [AppConfig, BlogMetrics],
      useFactory: (config: AppConfig, metrics: BlogMetrics) =>
        new CurrentPhase(config.migrationPhase, (phase) => metrics.setPhase(phase)),
    },
    MongoPhaseRecords,
    CassandraPhaseRecords,
    PhaseControl,
    MigrationState,
    Leases,
  ],
  exports: [CurrentPhase, PhaseControl, MigrationState, Leases],
})
export class ControlModule {}
