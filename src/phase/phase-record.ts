import { MigrationPhase } from '../config/migration-phase';

/**
 * The durable control record of the migration phase, written by `phase set` into every store the
 * new phase uses (and, best effort, the others). The newest record (highest `version`) wins.
 */
export interface PhaseRecord {
  phase: MigrationPhase;
  /** the phase before this one */
  previous: MigrationPhase;
  /** increases with every `phase set`: milliseconds since the epoch, above the last record's */
  version: number;
  /** ISO time it was set */
  set_at: string;
  /** host (and user) of the `phase set` that wrote it */
  set_by: string;
  /** gates were bypassed with --force */
  forced: boolean;
}

/** Where the current phase comes from: the newest control record, else MIGRATION_PHASE. */
export interface EffectivePhase {
  phase: MigrationPhase;
  /** undefined: no control record exists, the phase is MIGRATION_PHASE's */
  record?: PhaseRecord;
}

/** Reads the phase the fleet is in right now (the CLI's view; the app follows it). */
export abstract class PhaseSource {
  abstract read(): Promise<EffectivePhase>;
}
