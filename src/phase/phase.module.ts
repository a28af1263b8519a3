import { DynamicModule, Global, Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { CurrentPhase } from '../control/current-phase';
import { PhaseControl } from '../control/phase-control';
import { PHASE_FOLLOWER_OPTIONS, PhaseFollower, PhaseFollowerOptions } from './phase-follower';
import { CassandraPhaseRecords, MongoPhaseRecords } from '../control/phase-records';

/**
 * Phase control (global): CurrentPhase, made the fleet's phase at boot and, with `follow` (the
 * app), kept so by polling the control record; PhaseControl to read and write that record.
 * Needs DatabaseModule; uses PostStoreModule and SchemaModule's startup check when present.
 */
@Global()
@Module({})
export class PhaseModule {
  static forRoot(config: AppConfig, options: PhaseFollowerOptions): DynamicModule {
    return {
      module: PhaseModule,
      providers: [
        { provide: CurrentPhase, useValue: new CurrentPhase(config.migrationPhase) },
        { provide: PHASE_FOLLOWER_OPTIONS, useValue: options },
        MongoPhaseRecords,
        CassandraPhaseRecords,
        PhaseControl,
        PhaseFollower,
      ],
      exports: [CurrentPhase, PhaseControl, PhaseFollower],
    };
  }
}
