/** Every metric name the issue makes a contract of (docs/metrics.md). */
export const CONTRACT_METRICS = [
  'blog_http_requests_total',
  'blog_http_request_duration_seconds',
  'blog_store_operation_duration_seconds',
  'blog_secondary_copies_total',
  'blog_hints_pending',
  'blog_migration_phase',
  'blog_shadow_reads_total',
  'blog_backfill_records_total',
  'blog_verify_differences',
  'blog_reconcile_repairs_total',
  // one of the default process metrics
  'process_cpu_seconds_total',
];

/**
 * The value of the first sample of Prometheus' text format named `name` whose labels include
 * `labels`; undefined when there is none.
 */
export function sample(
  text: string,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{([^}]*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const have = (match[2] ?? '').split(',');
    if (wanted.every((pair) => have.includes(pair))) return Number(match[3]);
  }
  return undefined;
}

/** The sum of every sample named `name` whose labels include `labels` (0 when none). */
export function total(text: string, name: string, labels: Record<string, string> = {}): number {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  let sum = 0;
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{([^}]*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const have = (match[2] ?? '').split(',');
    if (wanted.every((pair) => have.includes(pair))) sum += Number(match[3]);
  }
  return sum;
}
