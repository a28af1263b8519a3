import { Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Registry } from 'prom-client';
import { BlogMetrics } from './blog-metrics';

/**
 * How often the dashboard's history takes a sample, and how far back it keeps them. Fixed (not
 * settings): the charts cover "the last hour" at a resolution a phone screen can show, and one
 * sample is a few small maps, so an hour is about 360 of them per instance.
 */
export const SAMPLE_INTERVAL_MS = 10_000;
export const HISTORY_MS = 3_600_000;

/**
 * A store operation counts as a copy's write when its name says it writes. The metrics label
 * each store call by the operation the store ran; reads (`get…`, `list…`, `scan…`) are not
 * copies, whatever store they hit.
 */
export const WRITE_OPERATION =
  /^(apply|copy|write|create|update|delete|remove|insert|upsert|put|add|replace)/i;

export const COPY_OUTCOMES = ['written', 'hinted', 'failed'] as const;
export const SHADOW_RESULTS = ['match', 'mismatch', 'error'] as const;

export type CopyOutcome = (typeof COPY_OUTCOMES)[number];
export type ShadowResult = (typeof SHADOW_RESULTS)[number];

/** p50/p99 in seconds of what a store wrote during one interval (null: it wrote nothing). */
export interface Latency {
  p50: number | null;
  p99: number | null;
  count: number;
}

/** What happened during one interval (counters are deltas since the sample before). */
export interface HistorySample {
  /** end of the interval (ms since the epoch) */
  at: number;
  /** its length in seconds */
  seconds: number;
  /** secondary copies by target store and outcome */
  copies: Record<string, Record<CopyOutcome, number>>;
  /** latency of the write operations, by store */
  writeLatency: Record<string, Latency>;
  /** shadow reads by result, every kind together */
  shadow: Record<ShadowResult, number>;
  /** HTTP requests answered, and those answered with a 5xx */
  requests: { total: number; errors: number };
}

interface Value {
  labels: Record<string, string | number>;
  value: number;
  metricName?: string;
}

/** Prometheus' histogram_quantile over one interval's bucket counts (cumulative, by `le`). */
export function quantile(q: number, buckets: { le: number; count: number }[]): number | null {
  const sorted = [...buckets].sort((a, b) => a.le - b.le);
  const total = sorted.at(-1)?.count ?? 0;
  if (total <= 0) return null;
  const rank = q * total;
  let lowerLe = 0;
  let lowerCount = 0;
  for (const bucket of sorted) {
    if (bucket.count >= rank) {
      // above the highest finite bound nothing is known but that bound
      if (!Number.isFinite(bucket.le)) return lowerLe;
      const inBucket = bucket.count - lowerCount;
      if (inBucket <= 0) return bucket.le;
      return lowerLe + (bucket.le - lowerLe) * ((rank - lowerCount) / inBucket);
    }
    lowerLe = bucket.le;
    lowerCount = bucket.count;
  }
  return lowerLe;
}

const keyOf = (value: Value) =>
  `${value.metricName ?? ''}|${Object.entries(value.labels)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, label]) => `${name}=${label}`)
    .join(',')}`;

/**
 * An in-process history of the counters the migration dashboard charts: every
 * SAMPLE_INTERVAL_MS it reads the registry, keeps what changed since the sample before and drops
 * what is older than HISTORY_MS. It is this instance's view since it started: another instance
 * keeps its own.
 */
@Injectable()
export class MetricsHistory implements OnModuleInit, OnModuleDestroy {
  private readonly samples: HistorySample[] = [];
  private previous = new Map<string, number>();
  private lastAt = Date.now();
  private timer?: NodeJS.Timeout;
  /** the first reading is a baseline only: what came before it is not part of any interval */
  private baseline = false;
  readonly startedAt = Date.now();
  readonly intervalMs = SAMPLE_INTERVAL_MS;
  /** how far back samples are kept (tests shorten it) */
  keepMs = HISTORY_MS;

  constructor(private readonly metrics: BlogMetrics) {}

  onModuleInit(): void {
    void this.sample();
    this.timer = setInterval(() => void this.sample(), this.intervalMs);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** The samples of the last hour, oldest first. */
  list(): readonly HistorySample[] {
    return this.samples;
  }

  /** Takes one sample now (the timer's work; tests call it directly). */
  async sample(now = Date.now()): Promise<HistorySample | undefined> {
    const registry = this.metrics.registry;
    const read = (name: string) => values(registry, name);
    const [copies, durations, shadow, requests] = await Promise.all([
      read('blog_secondary_copies_total'),
      read('blog_store_operation_duration_seconds'),
      read('blog_shadow_reads_total'),
      read('blog_http_requests_total'),
    ]);
    const current = new Map<string, number>();
    const delta = (value: Value) => {
      const key = keyOf(value);
      current.set(key, value.value);
      return Math.max(0, value.value - (this.previous.get(key) ?? 0));
    };
    const sample: HistorySample = {
      at: now,
      seconds: Math.max((now - this.lastAt) / 1000, 0.001),
      copies: {},
      writeLatency: {},
      shadow: { match: 0, mismatch: 0, error: 0 },
      requests: { total: 0, errors: 0 },
    };
    for (const value of copies) {
      const store = String(value.labels.store);
      const outcome = String(value.labels.outcome) as CopyOutcome;
      const byOutcome = (sample.copies[store] ??= { written: 0, hinted: 0, failed: 0 });
      if (outcome in byOutcome) byOutcome[outcome] += delta(value);
    }
    const buckets = new Map<string, Map<number, number>>();
    for (const value of durations) {
      if (!value.metricName?.endsWith('_bucket')) continue;
      if (!WRITE_OPERATION.test(String(value.labels.operation))) continue;
      const store = String(value.labels.store);
      const le = value.labels.le === '+Inf' ? Infinity : Number(value.labels.le);
      const byLe = buckets.get(store) ?? new Map<number, number>();
      byLe.set(le, (byLe.get(le) ?? 0) + delta(value));
      buckets.set(store, byLe);
    }
    for (const [store, byLe] of buckets) {
      const list = [...byLe].map(([le, count]) => ({ le, count }));
      sample.writeLatency[store] = {
        p50: quantile(0.5, list),
        p99: quantile(0.99, list),
        count: byLe.get(Infinity) ?? 0,
      };
    }
    for (const value of shadow) {
      const result = String(value.labels.result) as ShadowResult;
      if (result in sample.shadow) sample.shadow[result] += delta(value);
    }
    for (const value of requests) {
      const count = delta(value);
      sample.requests.total += count;
      if (Number(value.labels.status) >= 500) sample.requests.errors += count;
    }
    this.previous = current;
    this.lastAt = now;
    if (!this.baseline) {
      this.baseline = true;
      return undefined;
    }
    this.samples.push(sample);
    while (this.samples.length > 0 && this.samples[0].at < now - this.keepMs) this.samples.shift();
    return sample;
  }
}

async function values(registry: Registry, name: string): Promise<Value[]> {
  const metric = registry.getSingleMetric(name);
  if (!metric) return [];
  const data = await metric.get();
  return data.values as Value[];
}
