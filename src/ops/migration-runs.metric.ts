import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { reasonOf, withTimeout } from '../common/with-timeout';
import { AppConfig } from '../config/app-config';
import { otherStore, STORE_NAMES, storeNamesUsedBy } from '../config/migration-phase';
import { CurrentPhase } from '../control/current-phase';
import { BlogMetrics } from '../metrics/blog-metrics';
import { BackfillService, copiedIn } from '../migration/backfill/backfill.service';
import { ReconcileService } from '../migration/reconcile/reconcile.service';
import { countByKind, VerifyService } from '../migration/verify/verify.service';

/**
 * Backfill, verify and reconcile usually run from the CLI, in another process; what they leave
 * in the migration state is what every instance exposes, read right before each scrape:
 *
 * - `blog_backfill_records_total{kind}`: the records (and `<kind>_deletion`s) the backfill
 *   checkpoints of both directions say were copied, over every run: it grows as a backfill runs
 *   (checkpoints are saved every second) and starts again from 0 with `--restart`, a counter
 *   reset as Prometheus knows it. Every instance shows the same value (aggregate with `max`).
 * - `blog_verify_differences{kind}`: what the newest of the last verify and the last reconcile
 *   left (a reconcile's remaining differences, after its repairs).
 *
 * `blog_reconcile_repairs_total` is counted where a reconcile runs (ReconcileService): the
 * scheduled one in the app. Not read in phase `mongo` (the state lives in Cassandra); a read
 * slower than HEALTH_CHECK_TIMEOUT_MS, or failing, keeps the last values and logs why.
 */
@Injectable()
export class MigrationRunsMetric implements OnModuleInit {
  private readonly logger = new Logger('Metrics');
  private running?: Promise<void>;

  constructor(
    private readonly metrics: BlogMetrics,
    private readonly backfill: BackfillService,
    private readonly verifier: VerifyService,
    private readonly reconcile: ReconcileService,
    private readonly config: AppConfig,
    private readonly phase: CurrentPhase,
  ) {}

  onModuleInit(): void {
    this.metrics.beforeScrape(() => this.refresh());
  }

  /** One read at a time: scrapes that arrive meanwhile wait for the read under way. */
  refresh(): Promise<void> {
    // the state is in Cassandra, which phase `mongo` does not connect
    if (!storeNamesUsedBy(this.phase.get()).includes('cassandra')) return Promise.resolve();
    this.running ??= withTimeout(
      this.read(),
      this.config.healthCheckTimeoutMs,
      'the migration state',
    )
      .catch((error: unknown) =>
        this.logger.warn(`backfill and verify metrics not refreshed: ${reasonOf(error)}`),
      )
      .finally(() => (this.running = undefined));
    return this.running;
  }

  private async read(): Promise<void> {
    const [checkpoints, verify, reconcile] = await Promise.all([
      Promise.all(STORE_NAMES.map((from) => this.backfill.checkpoint(from, otherStore(from)))),
      this.verifier.last(),
      this.reconcile.last(),
    ]);
    const copied = new Map<string, number>();
    for (const stage of this.backfill.stages()) {
      const kind = stage.deletions ? `${stage.kind.name}_deletion` : stage.kind.name;
      for (const checkpoint of checkpoints) {
        if (checkpoint)
          copied.set(kind, (copied.get(kind) ?? 0) + copiedIn(checkpoint, stage.name));
      }
    }
    const counter = this.metrics.backfillRecords;
    counter.reset();
    for (const [kind, records] of copied) counter.inc({ kind }, records);

    const verified = verify?.by_kind ? { at: verify.finished_at, counts: verify.by_kind } : null;
    const reconciled =
      reconcile?.dry_run === false
        ? { at: reconcile.finished_at, counts: countByKind(reconcile.remaining) }
        : null;
    const newest = [verified, reconciled]
      .filter((run) => run !== null)
      .sort((a, b) => b.at.localeCompare(a.at))[0];
    if (newest) this.verifier.showDifferences(newest.counts);
  }
}
