import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { reasonOf, withTimeout } from '../common/with-timeout';
import { AppConfig } from '../config/app-config';
import { otherStore, STORE_NAMES, storeNamesUsedBy } from '../config/migration-phase';
import { CurrentPhase } from '../control/current-phase';
import { BlogMetrics } from '../metrics/blog-metrics';
import { HintLogs } from '../store/hints/hint-logs';

/**
 * Keeps `blog_hints_pending{store}` current: read from the hint logs right before each scrape
 * (a small collection / 16 partitions, as /api/stats reads them), never on a request's path.
 * `store` is the store the hints are waiting to be copied to: hints kept in MongoDB are copies
 * Cassandra missed. Only the logs of stores the phase uses are read (the others may not be
 * connected); a log not read is dropped from the metric rather than shown stale. A read slower
 * than HEALTH_CHECK_TIMEOUT_MS, or failing, keeps the last value and logs why, so a slow store
 * cannot hold a scrape past the scraper's own timeout.
 */
@Injectable()
export class HintsPendingMetric implements OnModuleInit {
  private readonly logger = new Logger('Metrics');
  private running?: Promise<void>;

  constructor(
    private readonly metrics: BlogMetrics,
    private readonly hintLogs: HintLogs,
    private readonly phase: CurrentPhase,
    private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.metrics.beforeScrape(() => this.refresh());
  }

  /** One read at a time: scrapes that arrive meanwhile wait for the read under way. */
  refresh(): Promise<void> {
    this.running ??= this.read().finally(() => (this.running = undefined));
    return this.running;
  }

  private async read(): Promise<void> {
    const kept = storeNamesUsedBy(this.phase.get());
    const gauge = this.metrics.hintsPending;
    for (const store of STORE_NAMES) {
      if (!kept.includes(store)) gauge.remove({ store: otherStore(store) });
    }
    await Promise.all(
      kept.map(async (store) => {
        const log = this.hintLogs.get(store);
        try {
          const pending = await withTimeout(
            log.pending(),
            this.config.healthCheckTimeoutMs,
            `${store} (hint log)`,
          );
          gauge.set({ store: otherStore(store) }, pending);
        } catch (error) {
          this.logger.warn(`blog_hints_pending not refreshed: ${reasonOf(error)}`);
        }
      }),
    );
  }
}
