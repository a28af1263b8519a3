import { Injectable } from '@nestjs/common';
import { AuditTrail } from '../audit/audit-trail';
import { pollUntil } from '../common/poll';
import { reasonOf } from '../common/with-timeout';
import { AppConfig } from '../config/app-config';
import { MigrationPhase, nextPhases, storeNamesUsedBy } from '../config/migration-phase';
import { StoreConnections } from '../database/store-connections';
import { PhaseControl } from '../control/phase-control';
import { EffectivePhase, follows, InstanceReport, PhaseRecord } from '../control/phase-record';
import { GateCheck, PhaseGates } from '../migration/gates/phase-gates';
import { SchemaService } from '../schema/schema.service';

const WAIT_POLL_MS = 250;

/** A step the phases do not allow (not one step away): the caller's mistake, nothing changed. */
export class PhaseStepError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PhaseStepError';
  }
}

export interface SwitchRequest {
  target: MigrationPhase;
  /** skip the gate (recorded in the phase record and the audit trail) */
  force: boolean;
  /** how long the gate may wait for pending hints to drain */
  hintWaitMs: number;
  /** who asks: an account (`account:<username>`) or `cli:user@host` */
  actor: string;
  /** progress lines for a person watching (the CLI prints them to stderr) */
  onProgress?: (line: string) => void;
}

export type SwitchOutcome =
  | { status: 'unchanged'; from: MigrationPhase; target: MigrationPhase }
  | { status: 'refused'; from: MigrationPhase; target: MigrationPhase; checks: GateCheck[] }
  | {
      status: 'set';
      from: MigrationPhase;
      target: MigrationPhase;
      checks: GateCheck[];
      forced: boolean;
      record: PhaseRecord;
      /** stores outside the new phase that did not get the record */
      skipped: string[];
    };

export interface InstancesWait {
  reports: InstanceReport[];
  behind: InstanceReport[];
  seconds: number;
}

export function checkLine(check: GateCheck): string {
  return `    ${check.ok ? 'ok  ' : 'FAIL'} ${check.name}: ${check.detail}`;
}

/** One line naming what refused a step, as `phase set` and the dashboard say it. */
export function refusal(outcome: { target: MigrationPhase; checks: GateCheck[] }): string {
  const failed = outcome.checks.filter((check) => !check.ok);
  return `phase set ${outcome.target} refused (${failed.map((check) => `${check.name}: ${check.detail}`).join('; ')}); nothing changed`;
}

/**
 * Moves the fleet one phase step: checks the step and its gate (unless forced), makes the new
 * phase's schema ready, writes the phase record. `phase set` and the dashboard both go through
 * here, so a step is checked the same way whoever asks.
 */
@Injectable()
export class PhaseSwitch {
  constructor(
    private readonly config: AppConfig,
    private readonly control: PhaseControl,
    private readonly gates: PhaseGates,
    private readonly schema: SchemaService,
    private readonly audit: AuditTrail,
    private readonly connections: StoreConnections,
  ) {}

  /** The effective phase, and each next step's gate as last recorded (no verify is run). */
  async overview(): Promise<{
    current: EffectivePhase;
    next: { phase: MigrationPhase; open: boolean; checks: GateCheck[] }[];
  }> {
    const current = await this.control.read();
    const next = await Promise.all(
      nextPhases(current.phase).map(async (phase) => {
        const checks = await this.gates.check(current, phase, 'recorded');
        return { phase, open: checks.every((check) => check.ok), checks };
      }),
    );
    return { current, next };
  }

  /** Moves one step (see the class); every step asked for is in the audit trail, whatever came of it. */
  async set(request: SwitchRequest): Promise<SwitchOutcome> {
    let outcome: SwitchOutcome | undefined;
    try {
      outcome = await this.step(request);
      return outcome;
    } catch (error) {
      await this.audit.record({
        actor: request.actor,
        action: 'phase.set',
        target: request.target,
        outcome: error instanceof PhaseStepError ? 'refused' : 'failed',
        details: { forced: request.force, reason: reasonOf(error) },
      });
      throw error;
    } finally {
      if (outcome && outcome.status !== 'unchanged') {
        await this.audit.record({
          actor: request.actor,
          action: 'phase.set',
          target: outcome.target,
          outcome: outcome.status === 'set' ? 'ok' : 'refused',
          details: {
            from: outcome.from,
            forced: request.force,
            checks: outcome.checks.map(({ name, ok, detail }) => ({ name, ok, detail })),
            ...(outcome.status === 'set' && { version: outcome.record.version }),
          },
        });
      }
    }
  }

  private async step(request: SwitchRequest): Promise<SwitchOutcome> {
    const { target, force } = request;
    const progress = request.onProgress ?? (() => undefined);
    const current = await this.control.read();
    const from = current.phase;
    if (target === from) return { status: 'unchanged', from, target };
    if (!nextPhases(from).includes(target)) {
      throw new PhaseStepError(
        `phase ${from} cannot go to ${target} in one step (next: ${nextPhases(from).join(' or ')}); nothing changed`,
      );
    }
    let checks: GateCheck[] = [];
    if (force) {
      progress(
        `WARNING: --force: moving ${from} → ${target} WITHOUT checking its gates; the phase record and every app instance's log say so`,
      );
    } else {
      progress(`checking the gate ${from} → ${target}...`);
      await this.connectBoth(from, target);
      checks = await this.gates.check(current, target, 'live', request.hintWaitMs);
      if (checks.length > 0) progress(checks.map(checkLine).join('\n'));
      if (checks.some((check) => !check.ok)) return { status: 'refused', from, target, checks };
    }
    await this.schemaReady(target, progress);
    const { record, skipped } = await this.control.write(target, current, force, request.actor);
    return { status: 'set', from, target, checks, forced: force, record, skipped };
  }

  /**
   * The gate (verify, hints) reads every store of both phases, whatever this process's
   * MIGRATION_PHASE connected at start. A store that cannot be reached is left to the gate's own
   * checks to report: a rollback away from a broken store must stay possible.
   */
  private async connectBoth(from: MigrationPhase, to: MigrationPhase): Promise<void> {
    const stores = new Set([...storeNamesUsedBy(from), ...storeNamesUsedBy(to)]);
    await Promise.all(
      [...stores].map((store) => this.connections.ensure(store).catch(() => undefined)),
    );
  }

  /**
   * The stores the new phase uses must have their schema before the record goes there (and
   * before instances serve them): outside production, pending migrations are applied here, as
   * the app does at start; in production that is a deliberate `schema migrate`.
   */
  private async schemaReady(
    target: MigrationPhase,
    progress: (line: string) => void,
  ): Promise<void> {
    const stores = storeNamesUsedBy(target);
    const statuses = await this.schema.status(stores);
    const pending = statuses.filter((status) => status.pending.length > 0);
    if (pending.length === 0) return;
    const summary = pending.map((status) => `${status.store}: ${status.pending.length}`).join(', ');
    if (this.config.nodeEnv === 'production') {
      throw new PhaseStepError(
        `phase ${target} needs schema migrations that are pending (${summary}): run \`npm run cli -- schema migrate --store ${pending.map((status) => status.store).join(',')}\` first; nothing changed`,
      );
    }
    await this.schema.migrate({ stores: pending.map((status) => status.store) });
    progress(`applied pending schema migrations (${summary}) for phase ${target}`);
  }

  /** Polls until every live instance serves `record` with nothing left on the old phase. */
  async waitForInstances(record: PhaseRecord, waitMs: number): Promise<InstancesWait> {
    const lagging = (report: InstanceReport) =>
      !follows(report, record.phase) || (report.record_version ?? 0) < record.version;
    const { value: reports, seconds } = await pollUntil(
      () => this.control.instances(),
      (all) => !all.some(lagging),
      { waitMs, everyMs: WAIT_POLL_MS },
    );
    return { reports, behind: reports.filter(lagging), seconds };
  }
}
