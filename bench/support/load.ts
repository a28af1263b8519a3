import * as http from 'node:http';
import autocannon from 'autocannon';

export interface LoadResult {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  /** the slowest answer (ms) */
  max: number;
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
      // a slow database (FerretDB scanning a collection) is measured, not cut off at 10 s
      timeout: 120,
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
    max: result.latency.max,
    requests: total,
    unexpected: total - expected + result.errors + result.timeouts,
  };
}

/** Latencies (ms) of requests sent one at a time; a failed or unexpected answer is -1. */
export interface AloneSamples {
  times: number[];
  unexpected: number;
  seconds: number;
}

/**
 * One request at a time for `seconds` over a keep-alive connection, timed with hrtime: the
 * latency of a request alone, at a finer grain than autocannon's whole milliseconds.
 */
export async function timeAlone(spec: LoadSpec, seconds: number): Promise<AloneSamples> {
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
  const times: number[] = [];
  let unexpected = 0;
  const until = Date.now() + seconds * 1000;
  while (Date.now() < until) {
    const ms = await once().catch(() => -1);
    if (ms < 0) unexpected++;
    else times.push(ms);
  }
  agent.destroy();
  return { times, unexpected, seconds };
}

/** Percentiles and rate of pooled one-at-a-time samples. */
export function summarizeAlone(samples: AloneSamples[]): LoadResult {
  const times = samples.flatMap((s) => s.times).sort((a, b) => a - b);
  const unexpected = samples.reduce((sum, s) => sum + s.unexpected, 0);
  const seconds = samples.reduce((sum, s) => sum + s.seconds, 0);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? NaN;
  return {
    requestsPerSecond: times.length / seconds,
    p50: at(0.5),
    p99: at(0.99),
    max: times.at(-1) ?? NaN,
    requests: times.length + unexpected,
    unexpected,
  };
}

/** timeAlone after a 2 s warm-up, summarized. */
export async function measureAlone(spec: LoadSpec): Promise<LoadResult> {
  await timeAlone(spec, 2);
  return summarizeAlone([await timeAlone(spec, spec.seconds)]);
}
