import { Injectable } from '@nestjs/common';
import { pollUntil } from '../../common/poll';
import {
  DUAL_PHASES,
  MigrationPhase,
  phasePlan,
  StoreName,
  storeNamesUsedBy,
} from '../../config/migration-phase';
import { BackfillService, copiedIn } from '../backfill/backfill.service';
import { Difference, LastVerify, VerifyService } from '../verify/verify.service';
import { SchemaService } from '../../schema/schema.service';
import { HintLogs } from '../../store/hints/hint-logs';
import { Replicas } from '../../store/replicas';
import { Direction, directionOf, from } from '../directions';
import { changedAt, goneFromBoth } from './record-changes';
import { PhaseControl } from '../../control/phase-control';
import { describeInstance, EffectivePhase, follows, lastStep } from '../../control/phase-record';
import { ShadowLedger } from '../../shadow/shadow-ledger';
import { shadowMismatchCheck, shadowSamplesCheck } from './shadow-gate-checks';
import { AppConfig } from '../../config/app-config';

/** One condition of a gate, met or not, with what was found. */
export interface GateCheck {
  name: string;
  ok: boolean;
  detail: string;
}

/**
 * `live`: run what the gate needs now (a full verify); otherwise (`phase show`) report the last
 * verify instead of running one.
 */
export type GateMode = 'live' | 'recorded';

const RECHECK_DELAY_MS = 2000;
/** how often a gate waiting for hints to drain counts them again */
const HINT_POLL_MS = 500;

/**
 * What must hold before the phase moves, per transition (pending hints may first drain, see
 * check):
 *   mongo → dual-write, dual-write → mongo: nothing (always allowed)
 *   dual-write → cassandra-primary: every instance follows dual-write; the backfill into
 *     Cassandra completed, started after dual-write began; no pending hints; verify clean
 *   cassandra-primary → cassandra: instances follow; no pending hints; verify clean
 *   both of these also: no open shadow-read mismatch, at least SHADOW_MIN_SAMPLES samples in
 *     the last SHADOW_WINDOW (docs/shadow-reads.md)
 *   cassandra-primary → dual-write: instances follow; no pending hints; verify clean
 *   cassandra → cassandra-primary: instances follow; MongoDB has the blog's schema (present or
 *     restored); a reverse backfill completed, started after phase cassandra began; verify finds
 *     MongoDB behind only on records changed since that backfill started (in cassandra-primary
 *     every write reaches MongoDB again, and `migrate reconcile` repairs those few)
 */
@Injectable()
export class PhaseGates {
  constructor(
    private readonly control: PhaseControl,
    private readonly backfill: BackfillService,
    private readonly verifier: VerifyService,
    private readonly replicas: Replicas,
    private readonly hintLogs: HintLogs,
    private readonly schema: SchemaService,
    private readonly shadow: ShadowLedger,
    private readonly config: AppConfig,
  ) {}

  /**
   * `hintWaitMs` (live only, and only while every check before passed): how long pending hints
   * may take to drain, before the verify looks at its differences again and before the hints
   * check counts them. Under load a slow secondary misses a copy now and then (it is hinted),
   * and the hint retry job copies each within HINT_RETRY_INTERVAL: refusing a switch for a copy
   * seconds late, after a verify of minutes, helps no one.
   */
  async check(
    current: EffectivePhase,
    to: MigrationPhase,
    mode: GateMode,
    hintWaitMs = 0,
  ): Promise<GateCheck[]> {
    const from = current.phase;
    const key = `${from}→${to}`;
    if (key === 'mongo→dual-write' || key === 'dual-write→mongo') return [];
    const checks = [await this.instancesFollow(from)];
    // waiting for hints is worth it only when nothing else already refuses the switch
    const waitFor = (before: GateCheck[]) =>
      mode === 'live' && before.every((check) => check.ok) ? hintWaitMs : 0;
    switch (key) {
      case 'dual-write→cassandra-primary':
        checks.push(await this.backfillDone('mongo', current));
        checks.push(await this.verifyClean(from, mode, waitFor(checks)));
        // after the verify, which can take minutes: a copy missed meanwhile counts
        checks.push(await this.noPendingHints(waitFor(checks)));
        checks.push(...(await this.shadowReads(from)));
        break;
      case 'cassandra-primary→cassandra':
        checks.push(await this.verifyClean(from, mode, waitFor(checks)));
        checks.push(await this.noPendingHints(waitFor(checks)));
        checks.push(...(await this.shadowReads(from)));
        break;
      case 'cassandra-primary→dual-write':
        checks.push(await this.verifyClean(from, mode, waitFor(checks)));
        checks.push(await this.noPendingHints(waitFor(checks)));
        break;
      case 'cassandra→cassandra-primary': {
        checks.push(await this.mongoSchema());
        const backfill = await this.backfillDone('cassandra', current);
        checks.push(backfill);
        if (backfill.ok) checks.push(await this.verifyBehindOnlySince(mode));
        break;
      }
    }
    return checks;
  }

  /**
   * Moving the reads to Cassandra (and then dropping MongoDB) also needs what readers saw to
   * agree: no open shadow-read mismatch, and enough samples in the window to say so.
   */
  private async shadowReads(phase: MigrationPhase): Promise<GateCheck[]> {
    const stores = storeNamesUsedBy(phase);
    return Promise.all([
      shadowMismatchCheck(this.shadow, stores),
      shadowSamplesCheck(this.shadow, stores, {
        minSamples: this.config.shadowMinSamples,
        windowMs: this.config.shadowWindowMs,
      }),
    ]);
  }

  private async instancesFollow(phase: MigrationPhase): Promise<GateCheck> {
    const reports = await this.control.instances();
    const behind = reports.filter((report) => !follows(report, phase));
    return {
      name: 'instances',
      ok: behind.length === 0,
      detail:
        behind.length === 0
          ? `all ${reports.length} running app instance(s) serve ${phase}`
          : `${behind.length} of ${reports.length} instance(s) do not serve ${phase} yet: ${behind.map(describeInstance).join('; ')}`,
    };
  }

  private async backfillDone(source: StoreName, current: EffectivePhase): Promise<GateCheck> {
    const target: StoreName = source === 'mongo' ? 'cassandra' : 'mongo';
    const name = `backfill ${source} → ${target}`;
    const from = source === 'mongo' ? '' : ' --from cassandra';
    const checkpoint = await this.backfill.checkpoint(source, target);
    if (!checkpoint) {
      return { name, ok: false, detail: `never run: run \`migrate backfill${from}\`` };
    }
    if (checkpoint.stage !== 'done') {
      return {
        name,
        ok: false,
        detail: `not finished (at ${checkpoint.stage}, ${this.backfill.stages().reduce((n, stage) => n + copiedIn(checkpoint, stage.name), 0)} records copied): run \`migrate backfill${from}\` to resume it`,
      };
    }
    const since = coverageStart(target, current);
    if (since && checkpoint.started_at < since.at) {
      return {
        name,
        ok: false,
        detail: `the completed one started ${checkpoint.started_at}, before ${since.what} (${since.at}): run \`migrate backfill${from} --restart\``,
      };
    }
    return {
      name,
      ok: true,
      detail: `completed ${checkpoint.finished_at ?? checkpoint.updated_at} (${this.replicas.kinds.all.map((kind) => `${copiedIn(checkpoint, kind.plural)} ${kind.plural}`).join(', ')})`,
    };
  }

  /** No hint pending in either dual phase's log, waiting up to `waitMs` for them to drain. */
  private async noPendingHints(waitMs: number): Promise<GateCheck> {
    const { waiting, waited } = await this.hintsDrained(waitMs);
    if (waiting.length === 0) {
      return {
        name: 'hints',
        ok: true,
        detail: `no pending hints${waited >= 0.5 ? ` (drained while waiting ${waited.toFixed(1)} s)` : ''}`,
      };
    }
    return {
      name: 'hints',
      ok: false,
      detail: `${waiting.map((count) => `${count.pending} in ${count.where}`).join(', ')}${waitMs > 0 ? ` after waiting ${waited.toFixed(0)} s` : ''}: wait for the hint retry job or run \`migrate reconcile\``,
    };
  }

  /** Counts the pending hints until none is left or `waitMs` is over; seconds waited. */
  private async hintsDrained(waitMs: number) {
    const { value: waiting, seconds: waited } = await pollUntil(
      () => this.pendingHints(),
      (pending) => pending.length === 0,
      { waitMs, everyMs: HINT_POLL_MS },
    );
    return { waiting, waited };
  }

  private async pendingHints(): Promise<{ where: string; pending: number }[]> {
    const counts = await Promise.all(
      DUAL_PHASES.map(async (phase) => {
        const hints = this.hintLogs.get(phasePlan(phase).hintLog as StoreName);
        return { where: hints.store, pending: await hints.pending() };
      }),
    );
    return counts.filter((count) => count.pending > 0);
  }

  /**
   * With `hintWaitMs`, the verify's recheck of the records it found different waits for the
   * pending hints to drain (up to that long) after its delay: a copy to a slow secondary that
   * timed out is hinted, and the hint retry job writes it within its interval.
   */
  private async verifyClean(
    phase: MigrationPhase,
    mode: GateMode,
    hintWaitMs = 0,
  ): Promise<GateCheck> {
    if (mode === 'recorded') return this.recordedVerify();
    const report = await this.verifyNow(directionOf(this.replicas, phase), hintWaitMs);
    return {
      name: 'verify',
      ok: report.clean,
      detail: report.clean
        ? `clean (${report.seconds.toFixed(1)} s)`
        : `${report.differences.length} difference(s), e.g. ${report.differences.slice(0, 3).map(describeDifference).join(', ')}: run \`migrate reconcile\``,
    };
  }

  private async verifyNow(sides: Direction, hintWaitMs = 0) {
    const { report } = await this.verifier.verify(sides.source, sides.target, {
      recheckDelayMs: RECHECK_DELAY_MS,
      settle: hintWaitMs > 0 ? () => this.hintsDrained(hintWaitMs) : undefined,
    });
    return report;
  }

  private async recordedVerify(): Promise<GateCheck> {
    const last: LastVerify | undefined = await this.verifier.last();
    return {
      name: 'verify',
      ok: last?.clean === true,
      detail: last
        ? `last run ${last.finished_at}: ${last.clean ? 'clean' : `${last.differences} difference(s)`} (\`phase set\` runs it again)`
        : 'never run (`phase set` runs it)',
    };
  }

  private async mongoSchema(): Promise<GateCheck> {
    const [status] = await this.schema.status(['mongo']);
    const ok = status.applied.length > 0 && status.pending.length === 0;
    return {
      name: 'mongo schema',
      ok,
      detail: ok
        ? `${status.applied.length} migrations applied`
        : status.applied.length === 0
          ? 'MongoDB has no blog data: `mongo restore --from FILE` (or `schema migrate`)'
          : `${status.pending.length} migration(s) pending: run \`schema migrate\``,
    };
  }

  /**
   * The reverse backfill copied everything as of its start, so what verify may still find is
   * the records changed in Cassandra after that: allowed, anything older is not.
   */
  private async verifyBehindOnlySince(mode: GateMode): Promise<GateCheck> {
    if (mode === 'recorded') return this.recordedVerify();
    const checkpoint = await this.backfill.checkpoint('cassandra', 'mongo');
    const sinceMicros = Date.parse(checkpoint?.started_at ?? '') * 1000;
    const sides = from(this.replicas, 'cassandra');
    const report = await this.verifyNow(sides);
    const older: Difference[] = [];
    for (const difference of report.differences) {
      const changed = await changedAt(this.replicas, difference, sides.source, sides.target);
      if (changed !== undefined && changed >= sinceMicros) continue;
      // deleted in both meanwhile (a comment whose post went since the scan): no difference
      if (changed === undefined && (await goneFromBoth(this.replicas, difference))) continue;
      older.push(difference);
    }
    return {
      name: 'verify',
      ok: older.length === 0,
      detail:
        older.length === 0
          ? `MongoDB has everything as of the reverse backfill (${report.differences.length} record(s) changed since, for \`migrate reconcile\` in cassandra-primary)`
          : `${older.length} record(s) older than the reverse backfill differ, e.g. ${older.slice(0, 3).map(describeDifference).join(', ')}: run \`migrate backfill --from cassandra --restart\``,
    };
  }
}

/**
 * Since when a backfill into `target` must have started to count, and why.
 *
 * Into Cassandra: since Cassandra last began receiving every write, the last move out of phase
 * `mongo`; from then on every phase writes it (as secondary, then as primary), so a step back to
 * `dual-write` and forward again does not need a new backfill.
 *
 * Into MongoDB: since the fleet last moved into phase `cassandra`, the one phase that does not
 * write MongoDB (and the only one `mongo cleanup` runs in): what MongoDB holds from before may
 * have been dropped and restored since.
 *
 * Records written before the history was kept say only when the current phase began: that is
 * the start then (stricter, never wrong).
 */
function coverageStart(
  target: StoreName,
  current: EffectivePhase,
): { at: string; what: string } | undefined {
  const step =
    target === 'cassandra'
      ? lastStep(current.record, (s) => s.from === 'mongo')
      : lastStep(current.record, (s) => s.to === 'cassandra');
  if (step) {
    return {
      at: step.at,
      what:
        target === 'cassandra'
          ? `Cassandra began receiving every write (phase ${step.to} was set)`
          : `phase cassandra began`,
    };
  }
  return current.record
    ? { at: current.record.set_at, what: `phase ${current.phase} began` }
    : undefined;
}

function describeDifference(difference: Difference): string {
  return `${difference.entity} ${difference.id} ${difference.kind} in ${difference.where}`;
}
