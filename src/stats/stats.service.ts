import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { MigrationPhase, phasePlan } from '../config/migration-phase';
import { reasonOf, withTimeout } from '../common/with-timeout';
import { ReconcileService } from '../migration/reconcile/reconcile.service';
import { CurrentPhase } from '../control/current-phase';
import { PostStore, StoreTotals } from '../store/post-store';
import { HintLogs } from '../store/hints/hint-logs';
import { PostStoreRouter } from '../store/post-store.router';

/** One store's totals as last counted; `error` when the latest count failed. */
export interface StoreCount {
  posts: number | null;
  comments: number | null;
  /** when these totals were counted (null: never yet) */
  as_of: string | null;
  error?: string;
}

export interface StatsReport {
  phase: MigrationPhase;
  /** the store reads come from and whose answer decides writes */
  source_of_truth: string;
  stores: Record<string, StoreCount>;
  /**
   * Both stores of a dual-write phase hold as many posts and comments as each other and no
   * write is waiting for a retry. Counts only: `migrate verify` compares content. null in the
   * single-store phases.
   */
  in_sync: boolean | null;
  /** writes the secondary missed, waiting for the retry (null: single store, or unknown) */
  pending_hints: number | null;
  /** copies to the secondary since this instance started (dual-write phases) */
  secondary_writes?: { writes: number; in_flight: number; missed: number; unhinted: number };
  /** the oldest of the store totals' times: the report is at least this fresh */
  as_of: string | null;
  /** the last reconcile any instance (or the CLI) finished; null: none yet, or no Cassandra */
  last_reconcile: LastReconcile | null;
}

export interface LastReconcile {
  finished_at: string;
  seconds: number;
  source: string;
  target: string;
  /** differences found (after the recheck) */
  found: number;
  fixed: number;
  remaining: number;
  hints_copied: number;
}

const COUNT_TIMEOUT_MS = 60_000;

/**
 * `/api/stats` without counting on the request path: each store's totals are counted in the
 * background (MongoDB countDocuments; Cassandra COUNT(*) per token range of the by-id tables)
 * and served from the last count, recounted when older than STATS_MAX_AGE_MS. Pending hints
 * are read on every request (a small collection / 16 partitions).
 */
@Injectable()
export class StatsService implements OnApplicationBootstrap {
  private readonly logger = new Logger(StatsService.name);
  private readonly counts = new Map<string, StoreCount>();
  private readonly refreshing = new Map<string, Promise<void>>();

  constructor(
    private readonly phase: CurrentPhase,
    private readonly router: PostStoreRouter,
    private readonly hintLogs: HintLogs,
    private readonly config: AppConfig,
    private readonly reconcile: ReconcileService,
  ) {}

  onApplicationBootstrap(): void {
    // warm the counts so the first /api/stats is as cheap as the rest
    for (const store of this.storesOf(this.phase.get())) void this.refresh(store);
  }

  /** The phase's stores on their own, primary first. */
  private storesOf(phase: MigrationPhase): PostStore[] {
    const { primary, secondary } = phasePlan(phase);
    return [primary, ...(secondary ? [secondary] : [])].map((name) => this.router.storeNamed(name));
  }

  async report(): Promise<StatsReport> {
    const phase = this.phase.get();
    const stores = this.storesOf(phase);
    const { hintLog } = phasePlan(phase);
    const hints = hintLog ? this.hintLogs.get(hintLog) : undefined;
    const dual = this.router.copiesOf(phase);
    // primary first, whatever order the counts come back in
    const counted = await Promise.all(stores.map((store) => this.countOf(store)));
    const counts = Object.fromEntries(stores.map((store, i) => [store.name, counted[i]]));
    let pending: number | null = null;
    if (hints) {
      pending = await withTimeout(
        hints.pending(),
        this.config.healthCheckTimeoutMs,
        hints.store,
      ).catch((error: unknown) => {
        this.logger.warn(`pending hints unknown: ${reasonOf(error)}`);
        return null;
      });
    }
    const times = Object.values(counts).map((c) => c.as_of);
    const lastReconcile = await this.lastReconcile();
    return {
      phase,
      source_of_truth: stores[0].name,
      stores: counts,
      in_sync: dual ? inSync(Object.values(counts), pending) : null,
      pending_hints: pending,
      ...(dual && {
        secondary_writes: {
          writes: dual.counters.writes,
          in_flight: dual.counters.inFlight,
          missed: dual.counters.missed,
          unhinted: dual.counters.unhinted,
        },
      }),
      as_of: times.includes(null) ? null : ([...times].sort()[0] ?? null),
      last_reconcile: lastReconcile,
    };
  }

  private async lastReconcile(): Promise<LastReconcile | null> {
    try {
      const last = await withTimeout(
        this.reconcile.last(),
        this.config.healthCheckTimeoutMs,
        'cassandra',
      );
      if (!last) return null;
      return {
        finished_at: last.finished_at,
        seconds: last.seconds,
        source: last.source,
        target: last.target,
        found: last.found,
        fixed: last.fixed,
        remaining: last.remaining.length,
        hints_copied: last.hints.retried,
      };
    } catch (error) {
      this.logger.warn(`last reconcile unknown: ${reasonOf(error)}`);
      return null;
    }
  }

  /**
   * The last count, recounting in the background when stale or failed. Waits only while the
   * very first count is still running; a store that could not be counted is reported with its
   * error at once rather than holding every request up.
   */
  private async countOf(store: PostStore): Promise<StoreCount> {
    const last = this.counts.get(store.name);
    const age = last?.as_of ? Date.now() - Date.parse(last.as_of) : Infinity;
    if (!last) {
      await this.refresh(store);
    } else if (age > this.config.statsMaxAgeMs || last.error) {
      void this.refresh(store);
    }
    return this.counts.get(store.name) as StoreCount;
  }

  private refresh(store: PostStore): Promise<void> {
    let running = this.refreshing.get(store.name);
    if (!running) {
      running = this.count(store).finally(() => this.refreshing.delete(store.name));
      this.refreshing.set(store.name, running);
    }
    return running;
  }

  private async count(store: PostStore): Promise<void> {
    const started = new Date();
    try {
      const totals: StoreTotals = await withTimeout(store.totals(), COUNT_TIMEOUT_MS, store.name);
      this.counts.set(store.name, { ...totals, as_of: started.toISOString() });
    } catch (error) {
      const last = this.counts.get(store.name);
      this.counts.set(store.name, {
        posts: last?.posts ?? null,
        comments: last?.comments ?? null,
        as_of: last?.as_of ?? null,
        error: reasonOf(error),
      });
    }
  }
}

function inSync(counts: StoreCount[], pending: number | null): boolean {
  const [a, b] = counts;
  return (
    pending === 0 &&
    counts.every((c) => !c.error && c.posts !== null) &&
    a.posts === b.posts &&
    a.comments === b.comments
  );
}
