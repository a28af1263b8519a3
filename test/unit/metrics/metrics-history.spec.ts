import { BlogMetrics } from '../../../src/metrics/blog-metrics';
import { MetricsHistory, quantile } from '../../../src/metrics/metrics-history';

describe('MetricsHistory (the dashboard charts’ samples)', () => {
  let metrics: BlogMetrics;
  let history: MetricsHistory;
  const T0 = Date.UTC(2026, 0, 1);

  beforeEach(async () => {
    metrics = new BlogMetrics();
    history = new MetricsHistory(metrics);
  });

  it('takes its first reading as a baseline: what came before is in no interval', async () => {
    metrics.secondaryCopies.inc({ store: 'cassandra', outcome: 'written' }, 100);
    expect(await history.sample(T0)).toBeUndefined();
    expect(history.list()).toEqual([]);
    const next = await history.sample(T0 + 10_000);
    expect(next?.copies).toEqual({ cassandra: { written: 0, hinted: 0, failed: 0 } });
    expect(next?.seconds).toBe(10);
  });

  it('records what the counters added during each interval', async () => {
    await history.sample(T0);
    metrics.secondaryCopies.inc({ store: 'cassandra', outcome: 'written' }, 40);
    metrics.secondaryCopies.inc({ store: 'cassandra', outcome: 'hinted' }, 2);
    metrics.shadowReads.inc({ kind: 'post', result: 'match' }, 5);
    metrics.shadowReads.inc({ kind: 'comment', result: 'mismatch' }, 1);
    metrics.httpRequests.inc({ method: 'GET', route: '/', status: '200' }, 90);
    metrics.httpRequests.inc({ method: 'GET', route: '/', status: '503' }, 10);
    metrics.httpRequests.inc({ method: 'GET', route: '/x', status: '404' }, 5);
    const first = await history.sample(T0 + 10_000);
    expect(first).toMatchObject({
      copies: { cassandra: { written: 40, hinted: 2, failed: 0 } },
      shadow: { match: 5, mismatch: 1, error: 0 },
      // a 4xx is the client's: only 5xx count as errors
      requests: { total: 105, errors: 10 },
    });
    metrics.secondaryCopies.inc({ store: 'cassandra', outcome: 'written' }, 7);
    const second = await history.sample(T0 + 20_000);
    expect(second).toMatchObject({
      copies: { cassandra: { written: 7, hinted: 0, failed: 0 } },
      shadow: { match: 0, mismatch: 0, error: 0 },
      requests: { total: 0, errors: 0 },
    });
    expect(history.list().map((sample) => sample.at)).toEqual([T0 + 10_000, T0 + 20_000]);
  });

  it("takes p50 and p99 of each store's write operations from that interval's buckets only", async () => {
    // before the interval: slow writes, which must not weigh on it
    for (let i = 0; i < 100; i++)
      metrics.storeDuration.observe({ store: 'cassandra', operation: 'apply' }, 4);
    await history.sample(T0);
    for (let i = 0; i < 98; i++)
      metrics.storeDuration.observe({ store: 'cassandra', operation: 'apply' }, 0.003);
    for (let i = 0; i < 2; i++)
      metrics.storeDuration.observe({ store: 'cassandra', operation: 'apply' }, 0.4);
    // reads are not copies
    for (let i = 0; i < 50; i++)
      metrics.storeDuration.observe({ store: 'cassandra', operation: 'getPost' }, 9);
    const sample = await history.sample(T0 + 10_000);
    const latency = sample!.writeLatency.cassandra;
    expect(latency.count).toBe(100);
    // in the (2.5 ms, 5 ms] bucket, and in (250 ms, 500 ms]
    expect(latency.p50).toBeGreaterThan(0.0025);
    expect(latency.p50).toBeLessThanOrEqual(0.005);
    expect(latency.p99).toBeGreaterThan(0.25);
    expect(latency.p99).toBeLessThanOrEqual(0.5);
    const quiet = await history.sample(T0 + 20_000);
    expect(quiet!.writeLatency.cassandra).toEqual({ p50: null, p99: null, count: 0 });
  });

  it('keeps one hour: older samples drop off', async () => {
    history.keepMs = 30_000;
    await history.sample(T0);
    for (let i = 1; i <= 6; i++) await history.sample(T0 + i * 10_000);
    expect(history.list().map((sample) => (sample.at - T0) / 1000)).toEqual([30, 40, 50, 60]);
  });

  it('samples on a timer once started, and stops with the module', async () => {
    jest.useFakeTimers({ now: T0 });
    try {
      history.onModuleInit();
      await jest.advanceTimersByTimeAsync(history.intervalMs * 3);
      expect(history.list()).toHaveLength(3);
      history.onModuleDestroy();
      await jest.advanceTimersByTimeAsync(history.intervalMs * 3);
      expect(history.list()).toHaveLength(3);
    } finally {
      jest.useRealTimers();
    }
  });
});

describe('quantile (histogram_quantile over bucket counts)', () => {
  const buckets = (pairs: [number, number][]) => pairs.map(([le, count]) => ({ le, count }));

  it('is null when nothing was observed', () => {
    expect(
      quantile(
        0.5,
        buckets([
          [1, 0],
          [Infinity, 0],
        ]),
      ),
    ).toBeNull();
    expect(quantile(0.5, [])).toBeNull();
  });

  it('interpolates linearly inside the bucket the rank falls in', () => {
    // 10 in (0, 1], 10 in (1, 2]: the median is the top of the first, p75 halfway in the second
    const b = buckets([
      [1, 10],
      [2, 20],
      [Infinity, 20],
    ]);
    expect(quantile(0.5, b)).toBeCloseTo(1);
    expect(quantile(0.75, b)).toBeCloseTo(1.5);
  });

  it('answers the highest finite bound for ranks in +Inf', () => {
    const b = buckets([
      [1, 1],
      [Infinity, 10],
    ]);
    expect(quantile(0.99, b)).toBe(1);
  });
});
