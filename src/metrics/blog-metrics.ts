import { Injectable } from '@nestjs/common';
import {
  collectDefaultMetrics,
  Counter,
  Gauge,
  Histogram,
  MetricValue,
  Registry,
} from 'prom-client';
import { MIGRATION_PHASES, MigrationPhase } from '../config/migration-phase';

/** One value of a metric: its labels, and for a histogram which series (`metricName`). */
export type MetricSample = MetricValue<string> & { metricName?: string };

/** Seconds: from a fast cached page to a store timing out. */
const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * Every Prometheus metric the blog exposes at `GET /metrics` (docs/metrics.md). One registry
 * per process (per Nest application), never the global one, so tests that start several apps in
 * one process count separately. The names and labels are a contract for dashboards and alerts:
 * add, never rename.
 */
@Injectable()
export class BlogMetrics {
  readonly registry = new Registry();

  readonly httpRequests = new Counter({
    name: 'blog_http_requests_total',
    help: 'HTTP requests answered, by method, route template and status code',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });

  readonly httpDuration = new Histogram({
    name: 'blog_http_request_duration_seconds',
    help: 'Time to answer an HTTP request, by method and route template',
    labelNames: ['method', 'route'] as const,
    buckets: DURATION_BUCKETS,
    registers: [this.registry],
  });

  readonly storeDuration = new Histogram({
    name: 'blog_store_operation_duration_seconds',
    help: 'Time one store took for one operation of a request (reads and writes, primary and secondary)',
    labelNames: ['store', 'operation'] as const,
    buckets: DURATION_BUCKETS,
    registers: [this.registry],
  });

  readonly secondaryCopies = new Counter({
    name: 'blog_secondary_copies_total',
    help: 'Writes copied to the secondary store in a dual phase: written, hinted (kept for retry) or failed (not even hinted)',
    labelNames: ['store', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly hintsPending = new Gauge({
    name: 'blog_hints_pending',
    help: 'Copies the secondary store missed, waiting in the hint log for a retry',
    labelNames: ['store'] as const,
    registers: [this.registry],
  });

  readonly migrationPhase = new Gauge({
    name: 'blog_migration_phase',
    help: 'The migration phase this instance serves: 1 for that phase, 0 for the others',
    labelNames: ['phase'] as const,
    registers: [this.registry],
  });

  readonly shadowReads = new Counter({
    name: 'blog_shadow_reads_total',
    help: 'Sampled reads compared with the secondary store: match, mismatch (confirmed after a recheck) or error',
    labelNames: ['kind', 'result'] as const,
    registers: [this.registry],
  });

  readonly backfillRecords = new Counter({
    name: 'blog_backfill_records_total',
    help: 'Records a backfill copied, by record kind',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  readonly verifyDifferences = new Gauge({
    name: 'blog_verify_differences',
    help: 'Differences the last verify found, by record kind',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  readonly reconcileRepairs = new Counter({
    name: 'blog_reconcile_repairs_total',
    help: 'Records a reconcile repaired, by record kind',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    this.setPhase(undefined);
  }

  /** Marks `phase` as served (1) and every other phase 0; all 0 while the phase is unknown. */
  setPhase(phase: MigrationPhase | undefined): void {
    for (const each of MIGRATION_PHASES)
      this.migrationPhase.set({ phase: each }, each === phase ? 1 : 0);
  }

  /** What brings the values read from elsewhere (hints pending, backfill, verify) up to date. */
  private readonly refreshers: Array<() => Promise<void>> = [];

  /**
   * Registers work that brings some values up to date right before each scrape (values that
   * cost a store read, such as the hints pending). `refresh` must bound its own time and never
   * reject: a scrape waits for it.
   */
  beforeScrape(refresh: () => Promise<void>): void {
    this.refreshers.push(refresh);
  }

  /**
   * Brings the values read from elsewhere up to date (every scrape does); a view that reads
   * valuesOf() without a scrape calls it first.
   */
  async refresh(): Promise<void> {
    await Promise.all(this.refreshers.map((refresh) => refresh()));
  }

  /** The text exposition format, as `GET /metrics` serves it. */
  async text(): Promise<string> {
    await this.refresh();
    return this.registry.metrics();
  }

  /**
   * One metric's current values (each label set and value; a histogram's also name their
   * series: `_bucket`, `_sum`, `_count`), without rendering the whole text; for views inside the
   * app (the dashboard). Empty for a name not registered. Values read from elsewhere (hints
   * pending, backfill, verify) are as of the last refresh().
   */
  async valuesOf(name: string): Promise<MetricSample[]> {
    const metric = this.registry.getSingleMetric(name);
    return metric ? (await metric.get()).values : [];
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
