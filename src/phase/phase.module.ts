import { DynamicModule, Global, Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { PhaseSource } from './phase-record';

/** Phase control: where the current phase is read from (global). */
@Global()
@Module({})
export class PhaseModule {
  static forRoot(config: AppConfig): DynamicModule {
    // TEMPORARY until phase control lands: the phase is MIGRATION_PHASE's.
    const source: PhaseSource = { read: () => Promise.resolve({ phase: config.migrationPhase }) };
    return {
      module: PhaseModule,
      providers: [{ provide: PhaseSource, useValue: source }],
      exports: [PhaseSource],
    };
  }
}
