import autocannon from 'autocannon';

export interface LoadResult {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  requests: number;
  /** responses whose status was not the expected one, plus errors and timeouts */
  unexpected: number;
}

export interface LoadSpec {
  url: string;
  path: () => string;
  method?: 'GET' | 'POST';
  body?: () => string;
  headers?: Record<string, string>;
  expectStatus: number;
  connections: number;
  seconds: number;
}

/** Runs autocannon against one route; a warm-up of 2 s first, not measured. */
export async function measure(spec: LoadSpec): Promise<LoadResult> {
  const run = (seconds: number) =>
    autocannon({
      url: spec.url,
      connections: spec.connections,
      duration: seconds,
      requests: [
        {
          method: spec.method ?? 'GET',
          headers: spec.headers,
          setupRequest: (request) => ({
            ...request,
            path: spec.path(),
            ...(spec.body && { body: spec.body() }),
          }),
        },
      ],
    });
  await run(2);
  const result = await run(spec.seconds);
  const statuses =
    (result as unknown as { statusCodeStats?: Record<string, { count: number }> })
      .statusCodeStats ?? {};
  const expected = statuses[String(spec.expectStatus)]?.count ?? 0;
  const total = Object.values(statuses).reduce((sum, s) => sum + s.count, 0);
  return {
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    requests: total,
    unexpected: total - expected + result.errors + result.timeouts,
  };
}
