import * as http from 'node:http';
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

/**
 * One request at a time for `seconds` over a keep-alive connection, timed with hrtime: the
 * latency of a request alone, at a finer grain than autocannon's whole milliseconds.
 */
export async function measureAlone(spec: LoadSpec): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const once = () =>
    new Promise<number>((resolve, reject) => {
      const body = spec.body?.();
      const started = process.hrtime.bigint();
      const request = http.request(
        `${spec.url}${spec.path()}`,
        { method: spec.method ?? 'GET', headers: spec.headers, agent },
        (response) => {
          response.resume();
          response.on('end', () =>
            resolve(
              response.statusCode === spec.expectStatus
                ? Number(process.hrtime.bigint() - started) / 1e6
                : -1,
            ),
          );
        },
      );
      request.on('error', reject);
      request.end(body);
    });
  const run = async (seconds: number) => {
    const times: number[] = [];
    let unexpected = 0;
    const until = Date.now() + seconds * 1000;
    while (Date.now() < until) {
      const ms = await once().catch(() => -1);
      if (ms < 0) unexpected++;
      else times.push(ms);
    }
    return { times, unexpected };
  };
  await run(2);
  const { times, unexpected } = await run(spec.seconds);
  agent.destroy();
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? NaN;
  return {
    requestsPerSecond: times.length / spec.seconds,
    p50: at(0.5),
    p99: at(0.99),
    requests: times.length + unexpected,
    unexpected,
  };
}
