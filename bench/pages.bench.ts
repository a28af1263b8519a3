/**
 * `npm run bench:pages`: the blog's pages under load in each migration phase, in one run.
 * Seeds POSTS posts / COMMENTS comments into both stores (same records), then for each phase
 * starts the built app in its own process (NODE_ENV=production) and measures requests/s and
 * p50/p99 latency of GET / (home), GET /post/:id, POST /create (form, 303) and GET /create (a
 * trivial route of the same app: layout + form, no database) with autocannon. Prints one table
 * and the ratios the blog issue sets as targets.
 *
 * Options (env): BENCH_POSTS (10000), BENCH_COMMENTS (5 × posts), BENCH_SECONDS (10),
 * BENCH_CONNECTIONS (16), BENCH_MONGO_URL + BENCH_CASSANDRA_CONTACT_POINTS (else the test stack).
 */
import { execSync } from 'node:child_process';
import * as path from 'node:path';
import { loadConfig } from '../src/config/app-config';
import { MIGRATION_PHASES, MigrationPhase } from '../src/config/migration-phase';
import { PostStoreRouter } from '../src/store/post-store.router';
import { startApp } from './support/app-process';
import { benchAppEnv, benchServers } from './support/bench-stack';
import { LoadResult, measure, measureAlone } from './support/load';
import { seed } from './support/seed';
import { storeContext } from './support/seed-module';
import { dropTestStores } from '../test/integration/helpers/stores';

const POSTS = Number(process.env.BENCH_POSTS ?? 10_000);
const COMMENTS = Number(process.env.BENCH_COMMENTS ?? POSTS * 5);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const ROUTES = [
  'trivial GET /create',
  'GET /',
  'GET /post/:id',
  'POST /create',
  'POST /create, 1 conn',
] as const;
type Route = (typeof ROUTES)[number];

const log = (line: string) => console.log(`bench:pages: ${line}`);

async function main(): Promise<void> {
  log('building the app (nest build)');
  execSync('npx nest build', { cwd: path.resolve(__dirname, '..'), stdio: 'inherit' });
  const servers = await benchServers();
  const env = benchAppEnv(servers, 'bench_pages');
  const config = loadConfig({ ...env, NODE_ENV: 'development', MIGRATION_PHASE: 'dual-write' });
  try {
    const ids = await seedBoth(config);
    const results = new Map<string, LoadResult>();
    for (const phase of MIGRATION_PHASES) {
      const app = await startApp({ ...env, MIGRATION_PHASE: phase }, servers.pids);
      try {
        for (const route of ROUTES) {
          await app.settle();
          const spec = loadFor(route, app.url, ids);
          const result = await (spec.connections === 1 ? measureAlone(spec) : measure(spec));
          results.set(`${phase} ${route}`, result);
          log(
            `${phase.padEnd(17)} ${route.padEnd(20)} ${result.requestsPerSecond.toFixed(0)} req/s`,
          );
        }
      } finally {
        await app.stop();
      }
    }
    report(results);
  } finally {
    await dropTestStores(config).catch(() => undefined);
    await servers.release();
  }
}

async function seedBoth(config: ReturnType<typeof loadConfig>): Promise<string[]> {
  const context = await storeContext(config);
  try {
    const stores = context.get(PostStoreRouter).partsOf('dual-write').stores;
    const started = Date.now();
    log(
      `seeding ${POSTS} posts and ${COMMENTS} comments into ${stores.map((s) => s.name).join(' and ')}`,
    );
    const ids = await seed(stores, POSTS, COMMENTS, 32, (done, total) =>
      log(`  ${done}/${total} writes`),
    );
    log(`seeded in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return ids;
  } finally {
    await context.close();
  }
}

function loadFor(route: Route, url: string, ids: string[]) {
  const base = { url, connections: CONNECTIONS, seconds: SECONDS };
  let n = 0;
  switch (route) {
    case 'trivial GET /create':
      return { ...base, path: () => '/create', expectStatus: 200 };
    case 'GET /':
      return { ...base, path: () => '/', expectStatus: 200 };
    case 'GET /post/:id':
      return {
        ...base,
        path: () => `/post/${ids[Math.floor(Math.random() * ids.length)]}`,
        expectStatus: 200,
      };
    case 'POST /create':
    case 'POST /create, 1 conn':
      return {
        ...base,
        // one connection: the latency of a write alone, without queueing behind other requests
        connections: route === 'POST /create' ? CONNECTIONS : 1,
        method: 'POST' as const,
        path: () => '/create',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: () =>
          new URLSearchParams({
            title: `Benchmark post ${++n}`,
            author: 'Bench',
            content: 'Written by the page benchmark. '.repeat(20),
          }).toString(),
        expectStatus: 303,
      };
  }
}

function report(results: Map<string, LoadResult>): void {
  const get = (phase: MigrationPhase, route: Route) =>
    results.get(`${phase} ${route}`) as LoadResult;
  const rows = [...results.entries()].map(([key, r]) => {
    const [phase, ...route] = key.split(' ');
    return `| ${phase.padEnd(17)} | ${route.join(' ').padEnd(20)} | ${r.requestsPerSecond.toFixed(0).padStart(6)} | ${r.p50.toFixed(2).padStart(6)} | ${r.p99.toFixed(2).padStart(6)} | ${String(r.unexpected).padStart(4)} |`;
  });
  console.log(
    `\n${POSTS} posts, ${COMMENTS} comments; ${CONNECTIONS} connections, ${SECONDS} s per route\n`,
  );
  console.log('| phase             | route                |  req/s | p50 ms | p99 ms | bad  |');
  console.log('| ----------------- | -------------------- | -----: | -----: | -----: | ---: |');
  for (const row of rows) console.log(row);

  const home =
    get('cassandra', 'GET /').requestsPerSecond /
    get('cassandra', 'trivial GET /create').requestsPerSecond;
  const p50 = (phase: MigrationPhase, route: Route) => get(phase, route).p50;
  const ratio = (route: Route) =>
    p50('dual-write', route) / Math.max(p50('mongo', route), p50('cassandra', route));
  const alone = ratio('POST /create, 1 conn');
  const loaded = ratio('POST /create');
  const bad = [...results.values()].reduce((sum, r) => sum + r.unexpected, 0);
  console.log('');
  console.log(
    `home page in cassandra / trivial route, req/s: ${home.toFixed(2)} (target >= 0.30) ${home >= 0.3 ? 'MET' : 'MISSED'}`,
  );
  for (const [label, value] of [
    [`${CONNECTIONS} connections`, loaded],
    ['1 connection', alone],
  ] as const) {
    console.log(
      `POST /create p50, dual-write / slower single store, ${label}: ${value.toFixed(2)} (target <= 1.50) ${value <= 1.5 ? 'MET' : 'MISSED'}`,
    );
  }
  console.log(`unexpected statuses or errors: ${bad}`);
  if (bad > 0) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exit(1);
});
