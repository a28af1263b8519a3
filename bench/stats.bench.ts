/**
 * `npm run bench:stats`: how cheap /api/stats stays on a large blog. Seeds BENCH_POSTS posts
 * (default 100 000) and 5 × as many comments into both stores, times one full count of each
 * store (what the background refresh does), then starts the built app in phase
 * cassandra-primary (both stores reported) and measures GET /api/stats: alone (one request at a
 * time) and under BENCH_CONNECTIONS connections. Target: p50 under 200 ms.
 */
import { STORE_NAMES } from '../src/config/migration-phase';
import { execSync } from 'node:child_process';
import * as path from 'node:path';
import { loadConfig } from '../src/config/app-config';
import { PostStoreRouter } from '../src/store/post-store.router';
import { dropTestStores } from '../test/integration/helpers/stores';
import { sleep } from '../test/support/http-poll';
import { startApp } from './support/app-process';
import { benchAppEnv, benchServers } from './support/bench-stack';
import { LoadResult, measure, measureAlone } from './support/load';
import { seed } from './support/seed';
import { storeContext } from './support/seed-module';
import { StatsJson, resultsMeta, writeResults } from './support/results';

const POSTS = Number(process.env.BENCH_POSTS ?? 100_000);
const COMMENTS = Number(process.env.BENCH_COMMENTS ?? POSTS * 5);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);

const log = (line: string) => console.log(`bench:stats: ${line}`);
const seconds = (since: number) => ((Date.now() - since) / 1000).toFixed(1);

async function main(): Promise<void> {
  log('building the app (nest build)');
  execSync('npx nest build', { cwd: path.resolve(__dirname, '..'), stdio: 'inherit' });
  const servers = await benchServers();
  const env = benchAppEnv(servers, 'bench_stats');
  const config = loadConfig({ ...env, NODE_ENV: 'development', MIGRATION_PHASE: 'dual-write' });
  try {
    const countTimes: string[] = [];
    const counts: StatsJson['counts'] = [];
    const context = await storeContext(config);
    try {
      const router = context.get(PostStoreRouter);
      const stores = STORE_NAMES.map((name) => router.storeNamed(name));
      const started = Date.now();
      log(`seeding ${POSTS} posts and ${COMMENTS} comments into mongo and cassandra`);
      await seed(stores, POSTS, COMMENTS, 32, (done, total) => log(`  ${done}/${total}`), 30);
      log(`seeded in ${seconds(started)} s`);
      for (const store of stores) {
        const at = Date.now();
        const totals = await store.totals();
        countTimes.push(`${store.name}: ${JSON.stringify(totals)} counted in ${seconds(at)} s`);
        counts.push({
          store: store.name,
          seconds: (Date.now() - at) / 1000,
          posts: totals.posts,
          comments: totals.comments,
        });
        log(countTimes[countTimes.length - 1]);
      }
    } finally {
      await context.close();
    }

    const app = await startApp({ ...env, MIGRATION_PHASE: 'cassandra-primary' }, servers.pids);
    try {
      const ready = Date.now();
      // the first counts run in the background from start-up; wait for them
      for (;;) {
        const body = (await (await fetch(`${app.url}/api/stats`)).json()) as {
          stores: Record<string, { posts: number | null }>;
        };
        if (Object.values(body.stores).every((s) => s.posts === POSTS)) break;
        if (Date.now() - ready > 600_000) throw new Error('the counts never arrived');
        await sleep(1000);
      }
      const firstCounts = (Date.now() - ready) / 1000;
      log(`first background counts served ${seconds(ready)} s after start-up`);
      await app.settle();
      const spec = {
        url: app.url,
        path: () => '/api/stats',
        expectStatus: 200,
        connections: CONNECTIONS,
        seconds: SECONDS,
      };
      const alone = await measureAlone({ ...spec, connections: 1 });
      await app.settle();
      const loaded = await measure(spec);
      report(alone, loaded, countTimes);
      const json = statsJson(alone, loaded, counts, firstCounts);
      log(`results written to ${await writeResults('stats', json)}`);
    } finally {
      await app.stop();
    }
  } finally {
    await dropTestStores(config).catch(() => undefined);
    await servers.release();
  }
}

function report(alone: LoadResult, loaded: LoadResult, countTimes: string[]): void {
  console.log(`\n${POSTS} posts, ${COMMENTS} comments in each store (phase cassandra-primary)\n`);
  console.log('| GET /api/stats          |  req/s | p50 ms | p99 ms | bad |');
  console.log('| ----------------------- | -----: | -----: | -----: | --: |');
  for (const [label, r] of [
    ['one request at a time', alone],
    [`${CONNECTIONS} connections`, loaded],
  ] as const) {
    console.log(
      `| ${label.padEnd(23)} | ${r.requestsPerSecond.toFixed(0).padStart(6)} | ${r.p50.toFixed(2).padStart(6)} | ${r.p99.toFixed(2).padStart(6)} | ${String(r.unexpected).padStart(3)} |`,
    );
  }
  console.log(`\nfull counts (the background refresh): ${countTimes.join('; ')}`);
  const met = alone.p50 < 200 && loaded.p50 < 200;
  console.log(`p50 under 200 ms: ${met ? 'MET' : 'MISSED'}`);
  if (alone.unexpected + loaded.unexpected > 0) process.exitCode = 1;
}

/** bench/results/stats.json: the table's rows, the full counts and the p50 target. */
function statsJson(
  alone: LoadResult,
  loaded: LoadResult,
  counts: StatsJson['counts'],
  firstCounts: number,
): StatsJson {
  const figures = (label: string, connections: number, r: LoadResult) => ({
    label,
    connections,
    requests_per_second: r.requestsPerSecond,
    p50_ms: r.requests > 0 ? r.p50 : null,
    p99_ms: r.requests > 0 ? r.p99 : null,
    requests: r.requests,
    unexpected: r.unexpected,
  });
  const under200 = (name: string, r: LoadResult) => ({
    name,
    numerator: null,
    denominator: null,
    value: r.p50,
    target: '< 200 ms',
    met: r.p50 < 200,
  });
  return {
    meta: resultsMeta('stats', {
      BENCH_POSTS: POSTS,
      BENCH_COMMENTS: COMMENTS,
      BENCH_SECONDS: SECONDS,
      BENCH_CONNECTIONS: CONNECTIONS,
    }),
    rows: [
      figures('one request at a time', 1, alone),
      figures(`${CONNECTIONS} connections`, CONNECTIONS, loaded),
    ],
    counts,
    first_counts_after_s: firstCounts,
    targets: [
      under200('p50 ms, one request at a time', alone),
      under200(`p50 ms, ${CONNECTIONS} connections`, loaded),
    ],
  };
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exit(1);
});
