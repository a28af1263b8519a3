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
  /**
   * Every step the fleet took before this one and this one, oldest first (at most
   * PHASE_HISTORY_STEPS): what a gate needs to know when a store began receiving every write.
   * Absent in records written before the history was kept.
   */
  history?: PhaseStep[];
}

/** One `phase set`: from which phase to which, when and by whom. */
export interface PhaseStep {
  from: MigrationPhase;
  to: MigrationPhase;
  at: string;
  by: string;
  forced: boolean;
}

/** Steps a phase record keeps (each record carries the history forward). */
export const PHASE_HISTORY_STEPS = 100;

/** Every step up to a record: its history, or (a record from before the history) its own step. */
export function stepsOf(record: PhaseRecord | undefined): PhaseStep[] {
  if (!record) return [];
  return (
    record.history ?? [
      {
        from: record.previous,
        to: record.phase,
        at: record.set_at,
        by: record.set_by,
        forced: record.forced,
      },
    ]
  );
}

/** The fleet's last step matching `matches`, as far as the record's history goes back. */
export function lastStep(
  record: PhaseRecord | undefined,
  matches: (step: PhaseStep) => boolean,
): PhaseStep | undefined {
  return [...stepsOf(record)].reverse().find(matches);
}
/** Where the current phase comes from: the newest control record, else MIGRATION_PHASE. */
export interface EffectivePhase {
  phase: MigrationPhase;
  /** undefined: no control record exists, the phase is MIGRATION_PHASE's */
  record?: PhaseRecord;
}

/** What an app instance reports, every poll, about the phase it serves. */
export interface InstanceReport {
  /** host:pid:random, unique per process */
  id: string;
  host: string;
  pid: number;
  /** the HTTP port it listens on, once listening */
  port?: number;
  /** the phase whose store it routes new requests to */
  phase: MigrationPhase;
  /** the control record it follows (undefined: there is none, it runs MIGRATION_PHASE) */
  record_version?: number;
  /** writing requests still running on the store of a phase it has left */
  draining: number;
  /** why it does not follow the newest record (a store it cannot reach) */
  blocked?: string;
  started_at: string;
  seen_at: string;
}

/** The instance routes new requests to `phase`, has nothing left on another, and is not stuck. */
export function follows(report: InstanceReport, phase: MigrationPhase): boolean {
  return report.phase === phase && report.draining === 0 && !report.blocked;
}

export function describeInstance(report: InstanceReport): string {
  const where = `${report.host}${report.port ? `:${report.port}` : ''} (pid ${report.pid})`;
  const state = report.blocked
    ? `blocked: ${report.blocked}`
    : report.draining > 0
      ? `serves ${report.phase}, ${report.draining} write(s) still running on the previous phase`
      : `serves ${report.phase}`;
  return `${where} ${state}`;
}
