import { Injectable, Logger } from '@nestjs/common';
import { mapConcurrent } from '../../common/map-concurrent';
import { StopWhen, stopIf } from '../../common/stop';
import { reasonOf } from '../../common/with-timeout';
import { DUAL_PHASES, MigrationPhase, phasePlan, StoreName } from '../../config/migration-phase';
import { MigrationState } from '../../control/migration-state';
import { BlogMetrics } from '../../metrics/blog-metrics';
import { ownerOf } from '../../kinds/record-kind';
import { HintLogs } from '../../store/hints/hint-logs';
import { Replica } from '../../store/replica';
import { Replicas } from '../../store/replicas';
import { retryTransient } from '../../store/store-errors';
import { directionOf } from '../directions';
import { BUCKETS, bucketOf } from '../verify/buckets';
import {
  Difference,
  SeenIndex,
  seenKey,
  VerifyReport,
  VerifyService,
} from '../verify/verify.service';
import { HintRetryResult, HintRetryService } from './hint-retry.service';

/** What the last reconcile did: kept in the migration state for /api/stats and the logs. */
export interface ReconcileReport {
  phase: MigrationPhase;
  source: StoreName;
  target: StoreName;
  dry_run: boolean;
  started_at: string;
  finished_at: string;
  seconds: number;
  hints: HintRetryResult;
  /** differences verify reported (after its recheck) */
  found: number;
  /** of those, how many a second look after the repair no longer finds */
  fixed: number;
  /** still different after the repair (the next run tries again) */
  remaining: Difference[];
  verify: VerifyReport;
  error?: string;
}

export const LAST_RECONCILE = 'reconcile:last';

/**
 * A repair that failed on a transient store error (unreachable, timed out, FerretDB's
 * `database is locked`) is tried again: 8 tries over about 30 s. No request waits on a repair,
 * and a store busy with the app's copies can refuse one record for several seconds.
 */
const REPAIR_RETRY = { attempts: 8, firstDelayMs: 500, maxDelayMs: 8000 };

/** Repairs are for drift; a store that lacks most records is filled by a backfill. */
export const MAX_REPAIRS = 50_000;

export class TooManyDifferencesError extends Error {
  constructor(found: number, source: string, target: string) {
    super(
      `${found} records differ (more than ${MAX_REPAIRS}): run \`migrate backfill --from ${source}\` to fill ${target} first; nothing was repaired`,
    );
  }
}

/** This phase has one store: there is nothing to reconcile. */
export class NotDualPhaseError extends Error {
  constructor(phase: MigrationPhase) {
    super(
      `reconcile needs a phase that writes both stores (dual-write or cassandra-primary); the phase is ${phase}`,
    );
  }
}

/**
 * Brings the phase's secondary store in line with its primary: drains the hints, verifies both
 * stores, and repairs every difference from the primary (deletions included, at timestamps that
 * cannot hide a newer write), then looks at the repaired records once more to count what is fixed.
 */
@Injectable()
export class ReconcileService {
  private readonly logger = new Logger(ReconcileService.name);

  constructor(
    private readonly replicas: Replicas,
    private readonly hintLogs: HintLogs,
    private readonly verifier: VerifyService,
    private readonly hintRetry: HintRetryService,
    private readonly state: MigrationState,
    private readonly metrics: BlogMetrics,
  ) {}

  last(): Promise<ReconcileReport | undefined> {
    return this.state.get<ReconcileReport>(LAST_RECONCILE);
  }

  /**
   * `stop` (a scheduled run whose phase moved on) is asked between the stages and while the
   * stores are read; once true, the run ends with a StoppedError and no report. Repairs made
   * until then stay: each one is version-checked.
   */
  async run(
    phase: MigrationPhase,
    options: { dryRun: boolean; recheckDelayMs: number; stop?: StopWhen },
  ): Promise<ReconcileReport> {
    if (!phasePlan(phase).secondary) throw new NotDualPhaseError(phase);
    const { source, target } = directionOf(this.replicas, phase);
    const { stop } = options;
    const started = Date.now();
    const hintResult = options.dryRun
      ? { retried: 0, failed: 0 }
      : await this.drainHints(phase, stop);
    const {
      report: verify,
      seen,
      digests,
    } = await this.verifier.verify(source, target, {
      recheckDelayMs: options.recheckDelayMs,
      stop,
    });
    let remaining = verify.differences;
    if (verify.differences.length > MAX_REPAIRS && !options.dryRun) {
      throw new TooManyDifferencesError(verify.differences.length, source.name, target.name);
    }
    if (!options.dryRun && verify.differences.length > 0) {
      await this.repair(source, target, verify.differences, seen, stop);
      const again = await this.verifier.drill(
        source,
        target,
        new Set(verify.differences.map((d) => bucketOf(d.id, BUCKETS))),
        { digests, stop },
      );
      const repaired = new Set(verify.differences.map((d) => `${d.entity}:${d.id}:${d.where}`));
      const unsettled = {
        differences: again.differences.filter((d) =>
          repaired.has(`${d.entity}:${d.id}:${d.where}`),
        ),
        seen: again.seen,
      };
      // a live write may have changed a repaired record meanwhile: its copy lands within the delay
      const settled = await this.verifier.recheck(source, target, unsettled, digests, {
        recheckDelayMs: options.recheckDelayMs,
        stop,
      });
      remaining = settled.differences.map(({ entity, id, kind, where }) => ({
        entity,
        id,
        kind,
        where,
      }));
    }
    const report: ReconcileReport = {
      phase,
      source: source.name,
      target: target.name,
      dry_run: options.dryRun,
      started_at: new Date(started).toISOString(),
      finished_at: new Date().toISOString(),
      seconds: (Date.now() - started) / 1000,
      hints: hintResult,
      found: verify.differences.length,
      fixed: options.dryRun ? 0 : verify.differences.length - remaining.length,
      remaining,
      verify,
    };
    if (!options.dryRun) this.countRepairs(verify.differences, remaining);
    this.logger.log(
      `reconcile ${source.name}→${target.name}${options.dryRun ? ' (dry run)' : ''}: ${hintResult.retried} hints copied, ${report.found} differences found, ${report.fixed} fixed, ${remaining.length} remaining, in ${report.seconds.toFixed(1)} s`,
    );
    if (!options.dryRun) {
      await this.state.put(LAST_RECONCILE, { ...report, verify: { ...verify, differences: [] } });
    }
    return report;
  }

  /**
   * blog_reconcile_repairs_total per kind: the differences found that are gone after the
   * repairs; and blog_verify_differences becomes what remains (this run's last comparison).
   */
  private countRepairs(found: readonly Difference[], remaining: readonly Difference[]): void {
    const left = new Set(remaining.map((d) => `${d.entity}:${d.id}:${d.where}`));
    for (const d of found) {
      if (!left.has(`${d.entity}:${d.id}:${d.where}`)) {
        this.metrics.reconcileRepairs.inc({ kind: d.entity });
      }
    }
    this.verifier.showDifferences(remaining);
  }

  /**
   * Copies every hinted record, from both dual phases' logs, each in its own direction: the
   * phase served before a switch can leave hints behind (a copy in flight during the switch that
   * failed), and the record they stand for is newer in that phase's primary than in its
   * secondary, which may be the primary now. Older logs first; every copy is version-checked, so
   * the order cannot put an older write over a newer one.
   */
  async drainHints(phase: MigrationPhase, stop?: StopWhen): Promise<HintRetryResult> {
    const total: HintRetryResult = { retried: 0, failed: 0 };
    const phases = DUAL_PHASES.filter((other) => other !== phase).concat(phase);
    for (const dual of phases) {
      const { hintLog } = phasePlan(dual);
      if (!hintLog) continue;
      const { source, target } = directionOf(this.replicas, dual);
      if (stop?.()) break;
      const result = await this.hintRetry.retry(source, target, this.hintLogs.get(hintLog), stop);
      total.retried += result.retried;
      total.failed += result.failed;
      total.error = result.error ?? total.error;
    }
    return total;
  }

  /** Repairs each differing record in the store(s) where it differs, from the primary. */
  private async repair(
    source: Replica,
    target: Replica,
    differences: Difference[],
    seen: SeenIndex,
    stop?: StopWhen,
  ): Promise<void> {
    type Target = { entity: string; id: string; sides: Map<Replica, string> };
    const records = new Map<string, Target>();
    for (const d of differences) {
      const key = seenKey(d.entity, d.id);
      let record = records.get(key);
      if (!record) records.set(key, (record = { entity: d.entity, id: d.id, sides: new Map() }));
      // a difference between the stores is the target's to fix; a store's own derived rows
      // that disagree with its base record are that store's
      record.sides.set(d.where.startsWith(`${source.name}.`) ? source : target, d.where);
    }
    await mapConcurrent([...records.values()], 8, async ({ entity, id, sides }) => {
      if (stop?.()) return;
      try {
        for (const [side, where] of sides) {
          // a repair is version-checked, so trying it again is safe
          await retryTransient(() => this.repairOne(source, side, entity, id, where, seen), {
            ...REPAIR_RETRY,
            onRetry: (error, attempt, delayMs) =>
              this.logger.log(
                `repairing ${entity} ${id} in ${side.name} failed (${reasonOf(error)}); try ${attempt + 1} of ${REPAIR_RETRY.attempts} in ${delayMs} ms`,
              ),
          });
        }
      } catch (error) {
        this.logger.warn(`could not repair ${entity} ${id}: ${reasonOf(error)}`);
      }
    });
    stopIf(stop, 'reconcile');
  }

  /**
   * Makes `side`'s rows of the record what the primary holds now. A record the primary holds
   * whose parent it no longer holds live (a comment that raced its post's deletion) must exist
   * nowhere, the primary included. A difference that names no record kind is the store's own to
   * repair (a listing partition).
   */
  private async repairOne(
    primary: Replica,
    side: Replica,
    entity: string,
    id: string,
    where: string,
    seen: SeenIndex,
  ): Promise<void> {
    const { kinds } = this.replicas;
    const kind = kinds.find(entity);
    if (!kind) return side.repairOwn(where, id);
    const rows = (store: StoreName) => seen.get(seenKey(entity, id))?.[store] ?? [];
    const state = await primary.state(kind, id);
    const parent = kinds.parentOf(kind);
    if (state.kind === 'live' && parent) {
      if ((await primary.state(parent, ownerOf(kind, state.record))).kind !== 'live') {
        await primary.repair(kind, id, { kind: 'absent' }, rows(primary.name));
        if (side !== primary) await side.repair(kind, id, { kind: 'absent' }, rows(side.name));
        return;
      }
    }
    return side.repair(kind, id, state, rows(side.name));
  }
}
