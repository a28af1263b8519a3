/**
 * `npm run bench:shadow`: what shadow reads cost the home page in `dual-write`. Seeds
 * BENCH_POSTS posts / BENCH_COMMENTS comments into both stores, starts the built app twice in
 * dual-write (NODE_ENV=production, each in its own process): SHADOW_READ_RATE=0 and
 * SHADOW_READ_RATE=1. Then GET / (the listing, sampled at rate 1: the same page read from
 * Cassandra after each answer) at BENCH_CONNECTIONS connections, in BENCH_ROUNDS rounds that
 * alternate between the two (ABBA order), so drift on this shared machine falls on both alike.
 * Prints each round, the means, and the ratios the issue sets as targets (req/s at rate 1 /
 * rate 0 >= 0.90; p99 at rate 1 / rate 0 <= 1.20), with how many samples were compared and
 * dropped (SHADOW_QUEUE_LIMIT), read from the shadow reads' own record.
 *
 * Options (env): BENCH_POSTS (2000), BENCH_COMMENTS (2 × posts), BENCH_SECONDS (10),
 * BENCH_CONNECTIONS (16), BENCH_ROUNDS (4), BENCH_MONGO_URL + BENCH_CASSANDRA_CONTACT_POINTS.
 */
import { execSync } from 'node:child_process';
import * as path from 'node:path';
import { loadConfig } from '../src/config/app-config';
import { STORE_NAMES } from '../src/config/migration-phase';
import { CassandraClient } from '../src/database/cassandra/cassandra-client';
import { PostStoreRouter } from '../src/store/post-store.router';
import { dropTestStores } from '../test/integration/helpers/stores';
import { AppProcess, startApp } from './support/app-process';
import { benchAppEnv, benchServers } from './support/bench-stack';
import { LoadResult, measure } from './support/load';
import { Ratio, resultsMeta, ShadowJson, writeResults } from './support/results';
import { seed } from './support/seed';
import { storeContext } from './support/seed-module';

const POSTS = Number(process.env.BENCH_POSTS ?? 2000);
const COMMENTS = Number(process.env.BENCH_COMMENTS ?? POSTS * 2);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4);
const RATES = ['0', '1'] as const;
type Rate = (typeof RATES)[number];

const log = (line: string) => console.log(`bench:shadow: ${line}`);

async function main(): Promise<void> {
  log('building the app (nest build)');
  execSync('npx nest build', { cwd: path.resolve(__dirname, '..'), stdio: 'inherit' });
  const servers = await benchServers();
  const env = { ...benchAppEnv(servers, 'bench_shadow'), MIGRATION_PHASE: 'dual-write' };
  const config = loadConfig({ ...env, NODE_ENV: 'development' });
  try {
    await seedBoth(config);
    const apps = new Map<Rate, AppProcess>();
    const rounds = new Map<Rate, LoadResult[]>(RATES.map((rate) => [rate, []]));
    try {
      for (const rate of RATES) {
        apps.set(rate, await startApp({ ...env, SHADOW_READ_RATE: rate }, servers.pids));
      }
      for (let round = 0; round < ROUNDS; round++) {
        // ABBA: neither rate always runs first (or last) in a round
        const order = round % 2 === 0 ? RATES : [...RATES].reverse();
        for (const rate of order) {
          const app = apps.get(rate) as AppProcess;
          await app.settle();
          const result = await measure({
            url: app.url,
            path: () => '/',
            expectStatus: 200,
            connections: CONNECTIONS,
            seconds: SECONDS,
          });
          rounds.get(rate)?.push(result);
          log(
            `round ${round + 1} rate ${rate}: ${result.requestsPerSecond.toFixed(0)} req/s, p50 ${result.p50} ms, p99 ${result.p99} ms`,
          );
        }
      }
      await (apps.get('1') as AppProcess).settle(); // the last samples compared and written
    } finally {
      for (const app of apps.values()) await app.stop();
    }
    const samples = await sampleCounts(config);
    const json = shadowJson(rounds, samples);
    report(json);
    log(`results written to ${await writeResults('shadow', json)}`);
  } finally {
    await dropTestStores(config).catch(() => undefined);
    await servers.release();
  }
}

async function seedBoth(config: ReturnType<typeof loadConfig>): Promise<void> {
  const context = await storeContext(config);
  try {
    const router = context.get(PostStoreRouter);
    log(`seeding ${POSTS} posts and ${COMMENTS} comments into both stores`);
    await seed(
      STORE_NAMES.map((name) => router.storeNamed(name)),
      POSTS,
      COMMENTS,
      32,
      () => undefined,
    );
  } finally {
    await context.close();
  }
}

/** What the rate-1 app compared and dropped, from the shadow reads' per-minute rows. */
async function sampleCounts(config: ReturnType<typeof loadConfig>) {
  const context = await storeContext(config);
  try {
    const client = context.get(CassandraClient);
    const result = await client.execute(
      `SELECT matched, mismatched, errors, dropped FROM ${client.table('shadow_samples')}`,
      [],
      { idempotent: true },
    );
    const sum = { matched: 0, mismatched: 0, errors: 0, dropped: 0 };
    for (const row of result.rows) {
      for (const key of Object.keys(sum) as (keyof typeof sum)[]) {
        sum[key] += Number(row.get(key) ?? 0);
      }
    }
    return sum;
  } finally {
    await context.close();
  }
}

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;

function shadowJson(
  rounds: Map<Rate, LoadResult[]>,
  samples: Awaited<ReturnType<typeof sampleCounts>>,
): ShadowJson {
  const of = (rate: Rate) => rounds.get(rate) ?? [];
  // a round in which no request completed has no latency (autocannon says 0 ms): left out
  const answered = (rate: Rate) => of(rate).filter((r) => r.requests > 0 && r.p99 > 0);
  const latency = (rate: Rate, pick: (r: LoadResult) => number) =>
    answered(rate).length > 0 ? mean(answered(rate).map(pick)) : null;
  const figures = (rate: Rate) => ({
    rate: `SHADOW_READ_RATE=${rate}`,
    connections: CONNECTIONS,
    requests_per_second: mean(of(rate).map((r) => r.requestsPerSecond)),
    p50_ms: latency(rate, (r) => r.p50),
    p99_ms: latency(rate, (r) => r.p99),
    requests: of(rate).reduce((sum, r) => sum + r.requests, 0),
    unexpected: of(rate).reduce((sum, r) => sum + r.unexpected, 0),
  });
  const [off, on] = [figures('0'), figures('1')];
  const ratio = (name: string, a: number, b: number, target: string, met: boolean): Ratio => ({
    name,
    numerator: a,
    denominator: b,
    value: a / b,
    target,
    // no verdict on what was not measured (no request completed, or none at all)
    met: Number.isFinite(a / b) && b > 0 ? met : null,
  });
  const rps = on.requests_per_second / off.requests_per_second;
  const p99 = (on.p99_ms ?? NaN) / (off.p99_ms ?? NaN);
  return {
    meta: resultsMeta('shadow', {
      BENCH_POSTS: POSTS,
      BENCH_COMMENTS: COMMENTS,
      BENCH_SECONDS: SECONDS,
      BENCH_CONNECTIONS: CONNECTIONS,
      BENCH_ROUNDS: ROUNDS,
    }),
    rows: [off, on],
    ratios: [
      ratio(
        'home page req/s in `dual-write`, rate 1 / rate 0',
        on.requests_per_second,
        off.requests_per_second,
        '≥ 0.90',
        rps >= 0.9,
      ),
      ratio(
        'home page p99 in `dual-write`, rate 1 / rate 0',
        on.p99_ms ?? NaN,
        off.p99_ms ?? NaN,
        '≤ 1.20',
        p99 <= 1.2,
      ),
    ],
    samples,
  };
}

function report(json: ShadowJson): void {
  console.log(
    `\nGET / in dual-write, ${POSTS} posts; ${CONNECTIONS} connections, ${ROUNDS} rounds of ${SECONDS} s per rate (means)\n`,
  );
  console.log('| rate               |  req/s | p50 ms | p99 ms | bad  |');
  console.log('| ------------------ | -----: | -----: | -----: | ---: |');
  for (const r of json.rows) {
    console.log(
      `| ${r.rate.padEnd(18)} | ${r.requests_per_second.toFixed(0).padStart(6)} | ${(r.p50_ms ?? NaN).toFixed(2).padStart(6)} | ${(r.p99_ms ?? NaN).toFixed(2).padStart(6)} | ${String(r.unexpected).padStart(4)} |`,
    );
  }
  console.log('');
  for (const r of json.ratios) {
    const verdict = r.met === null ? 'not measured' : r.met ? 'MET' : 'MISSED';
    console.log(`${r.name} (target ${r.target}): ${(r.value ?? NaN).toFixed(2)} ${verdict}`);
  }
  const s = json.samples;
  console.log(
    `samples at rate 1: ${s.matched} matched, ${s.mismatched} mismatched, ${s.errors} errors, ${s.dropped} dropped (queue full)`,
  );
  const bad = json.rows.reduce((sum, r) => sum + (r.unexpected ?? 0), 0);
  console.log(`unexpected statuses or errors: ${bad}`);
  if (bad > 0) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exit(1);
});
