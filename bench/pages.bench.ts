/**
 * `npm run bench:pages`: the blog's pages under load in each migration phase, in one run.
 * Seeds POSTS posts / COMMENTS comments into both stores (same records), starts the built app
 * once per phase (NODE_ENV=production, each in its own process), then measures:
 * - the latency of POST /create sent one at a time, in rounds that alternate between phases;
 * - per phase, with autocannon at CONNECTIONS connections: requests/s and p50/p99 of GET /
 *   (home), GET /post/:id, POST /create (form, 303, signed in with the bench admin's bearer
 *   token: writes need an account) and GET /login (a trivial route of the same app: layout +
 *   form, no database; GET /create now needs a signed-in account, so a store read).
 * The bench admin is made once with the CLI (`user add`, `user token`) in dual-write, so its
 * account and token are in both stores and every phase's app accepts it.
 * Between measurements it waits until the app and the databases are idle. Prints one table and
 * the ratios the blog issue sets as targets.
 *
 * Options (env): BENCH_POSTS (10000), BENCH_COMMENTS (5 × posts), BENCH_SECONDS (10),
 * BENCH_CONNECTIONS (16), BENCH_MONGO_URL + BENCH_CASSANDRA_CONTACT_POINTS (else the test stack).
 */
import { execSync } from 'node:child_process';
import * as path from 'node:path';
import { loadConfig } from '../src/config/app-config';
import { MIGRATION_PHASES, MigrationPhase, STORE_NAMES } from '../src/config/migration-phase';
import { PostStoreRouter } from '../src/store/post-store.router';
import { AppProcess, startApp } from './support/app-process';
import { BENCH_WRITER, benchWriterHeaders } from './support/bench-writer';
import { benchAppEnv, benchServers } from './support/bench-stack';
import { AloneSamples, LoadResult, measure, summarizeAlone, timeAlone } from './support/load';
import { seed } from './support/seed';
import { storeContext } from './support/seed-module';
import { dropTestStores } from '../test/integration/helpers/stores';
import { PagesJson, Ratio, resultsMeta, writeResults } from './support/results';

const POSTS = Number(process.env.BENCH_POSTS ?? 10_000);
const COMMENTS = Number(process.env.BENCH_COMMENTS ?? POSTS * 5);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const ROUTES = [
  'trivial GET /login',
  'GET /',
  'GET /post/:id',
  'POST /create',
  'POST /create, 1 conn',
] as const;
type Route = (typeof ROUTES)[number];
const ALONE: Route = 'POST /create, 1 conn';
const ROUNDS = 6;
/** BENCH_PHASES / BENCH_ROUTES (comma-separated) narrow a run, e.g. to profile one route. */
const PHASES = listOption('BENCH_PHASES', MIGRATION_PHASES);
const ONLY_ROUTES = listOption('BENCH_ROUTES', ROUTES);

function listOption<T extends string>(name: string, all: readonly T[]): T[] {
  const raw = process.env[name];
  if (!raw) return [...all];
  const wanted = raw.split(',').map((item) => item.trim());
  const unknown = wanted.filter((item) => !all.includes(item as T));
  if (unknown.length)
    throw new Error(`${name}: unknown ${unknown.join(', ')} (known: ${all.join(', ')})`);
  return wanted as T[];
}

const log = (line: string) => console.log(`bench:pages: ${line}`);

async function main(): Promise<void> {
  log('building the app (nest build)');
  execSync('npx nest build', { cwd: path.resolve(__dirname, '..'), stdio: 'inherit' });
  const servers = await benchServers();
  const env = benchAppEnv(servers, 'bench_pages');
  const config = loadConfig({ ...env, NODE_ENV: 'development', MIGRATION_PHASE: 'dual-write' });
  try {
    const ids = await seedBoth(config);
    log(`creating the bench admin (user add ${BENCH_WRITER.username}, user token) in dual-write`);
    const writer = benchWriterHeaders({ ...env, MIGRATION_PHASE: 'dual-write' });
    const results = new Map<string, LoadResult>();
    // one app per phase, all up at once: the write-latency rounds below alternate between them
    const apps = new Map<MigrationPhase, AppProcess>();
    try {
      for (const phase of PHASES) {
        apps.set(phase, await startApp({ ...env, MIGRATION_PHASE: phase }, servers.pids));
      }
      const app = (phase: MigrationPhase) => apps.get(phase) as AppProcess;
      if (ONLY_ROUTES.includes(ALONE)) {
        await measureAloneInRounds(PHASES, app, ids, writer, results);
      }
      for (const phase of PHASES) {
        for (const route of ROUTES.filter((r) => r !== ALONE && ONLY_ROUTES.includes(r))) {
          await app(phase).settle();
          const result = await measure(loadFor(route, app(phase).url, ids, writer));
          results.set(`${phase} ${route}`, result);
          log(
            `${phase.padEnd(17)} ${route.padEnd(20)} ${result.requestsPerSecond.toFixed(0)} req/s`,
          );
        }
      }
    } finally {
      for (const app of apps.values()) await app.stop();
    }
    report(results);
    log(`results written to ${await writeResults('pages', pagesJson(results))}`);
  } finally {
    await dropTestStores(config).catch(() => undefined);
    await servers.release();
  }
}

async function seedBoth(config: ReturnType<typeof loadConfig>): Promise<string[]> {
  const context = await storeContext(config);
  try {
    const router = context.get(PostStoreRouter);
    const stores = STORE_NAMES.map((name) => router.storeNamed(name));
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

/**
 * The latency of one create at a time, per phase, in ROUNDS rounds that visit every phase in
 * turn (SECONDS / 2 each), so slow drift on this shared machine (compaction, other tenants)
 * falls on all phases alike instead of on whichever ran last.
 */
async function measureAloneInRounds(
  phases: MigrationPhase[],
  app: (phase: MigrationPhase) => AppProcess,
  ids: string[],
  writer: Record<string, string>,
  results: Map<string, LoadResult>,
): Promise<void> {
  const samples = new Map<MigrationPhase, AloneSamples[]>(phases.map((p) => [p, []]));
  for (const phase of phases) await timeAlone(loadFor(ALONE, app(phase).url, ids, writer), 2); // warm-up
  for (let round = 0; round < ROUNDS; round++) {
    for (const phase of phases) {
      await app(phase).settle();
      const spec = loadFor(ALONE, app(phase).url, ids, writer);
      samples.get(phase)?.push(await timeAlone(spec, Math.max(1, SECONDS / 2)));
    }
  }
  for (const phase of phases) {
    const result = summarizeAlone(samples.get(phase) ?? []);
    results.set(`${phase} ${ALONE}`, result);
    log(`${phase.padEnd(17)} ${ALONE.padEnd(20)} p50 ${result.p50.toFixed(2)} ms`);
  }
}

function loadFor(route: Route, url: string, ids: string[], writer: Record<string, string>) {
  const base = { url, connections: CONNECTIONS, seconds: SECONDS };
  let n = 0;
  switch (route) {
    case 'trivial GET /login':
      return { ...base, path: () => '/login', expectStatus: 200 };
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
        // a bearer token acts on the forms too, with no CSRF token; the author is the account's
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...writer },
        body: () =>
          new URLSearchParams({
            title: `Benchmark post ${++n}`,
            content: 'Written by the page benchmark. '.repeat(20),
          }).toString(),
        expectStatus: 303,
      };
  }
}

/** The ratios report() prints, for the JSON; NaN when a narrowed run did not measure a part. */
function pagesRatios(results: Map<string, LoadResult>): Ratio[] {
  const get = (phase: MigrationPhase, route: Route) => results.get(`${phase} ${route}`);
  const rps = (phase: MigrationPhase, route: Route) => get(phase, route)?.requestsPerSecond ?? NaN;
  const p50 = (phase: MigrationPhase, route: Route) => get(phase, route)?.p50 ?? NaN;
  const ratio = (
    name: string,
    numerator: number,
    denominator: number,
    target?: [string, boolean],
  ) => ({
    name,
    numerator,
    denominator,
    value: numerator / denominator,
    target: target?.[0] ?? null,
    met: Number.isNaN(numerator / denominator) ? null : (target?.[1] ?? null),
  });
  const home = [rps('cassandra', 'GET /'), rps('cassandra', 'trivial GET /login')];
  const write = (route: Route) => [
    p50('dual-write', route),
    Math.max(p50('mongo', route), p50('cassandra', route)),
  ];
  const [alone, loaded] = [write(ALONE), write('POST /create')];
  return [
    ratio('home page in `cassandra` / trivial route, req/s', home[0], home[1], [
      '≥ 0.30',
      home[0] / home[1] >= 0.3,
    ]),
    ratio(
      'POST /create p50, `dual-write` / slower single store, one at a time',
      alone[0],
      alone[1],
      ['≤ 1.50', alone[0] / alone[1] <= 1.5],
    ),
    ratio(
      `POST /create p50, \`dual-write\` / slower single store, ${CONNECTIONS} connections`,
      loaded[0],
      loaded[1],
      ['≤ 1.50', loaded[0] / loaded[1] <= 1.5],
    ),
  ];
}

function report(results: Map<string, LoadResult>): void {
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

  // a ratio is NaN when a narrowed run (BENCH_PHASES / BENCH_ROUTES) did not measure its parts
  const get = (phase: MigrationPhase, route: Route) => results.get(`${phase} ${route}`);
  const rps = (phase: MigrationPhase, route: Route) => get(phase, route)?.requestsPerSecond ?? NaN;
  const p50 = (phase: MigrationPhase, route: Route) => get(phase, route)?.p50 ?? NaN;
  const ratio = (route: Route) =>
    p50('dual-write', route) / Math.max(p50('mongo', route), p50('cassandra', route));
  const bad = [...results.values()].reduce((sum, r) => sum + r.unexpected, 0);
  const verdict = (value: number, ok: boolean) =>
    Number.isNaN(value) ? 'not measured' : `${value.toFixed(2)} ${ok ? 'MET' : 'MISSED'}`;
  const home = rps('cassandra', 'GET /') / rps('cassandra', 'trivial GET /login');
  console.log('');
  console.log(
    `home page in cassandra / trivial route, req/s (target >= 0.30): ${verdict(home, home >= 0.3)}`,
  );
  for (const route of ['POST /create', 'POST /create, 1 conn'] as const) {
    const value = ratio(route);
    console.log(
      `${route} p50, dual-write / slower single store (target <= 1.50): ${verdict(value, value <= 1.5)}`,
    );
  }
  console.log(`unexpected statuses or errors: ${bad}`);
  if (bad > 0) process.exitCode = 1;
}

/** bench/results/pages.json: the table's rows (POST /create, 1 conn shown as "alone") and ratios. */
function pagesJson(results: Map<string, LoadResult>): PagesJson {
  return {
    meta: resultsMeta('pages', {
      BENCH_POSTS: POSTS,
      BENCH_COMMENTS: COMMENTS,
      BENCH_SECONDS: SECONDS,
      BENCH_CONNECTIONS: CONNECTIONS,
      BENCH_PHASES: process.env.BENCH_PHASES,
      BENCH_ROUTES: process.env.BENCH_ROUTES,
    }),
    rows: [...results.entries()].map(([key, r]) => {
      const [phase, ...words] = key.split(' ');
      const route = words.join(' ');
      const answered = r.requests > 0;
      return {
        phase,
        route: route === ALONE ? 'POST /create, alone' : route,
        connections: route === ALONE ? 1 : CONNECTIONS,
        requests_per_second: r.requestsPerSecond,
        p50_ms: answered ? r.p50 : null,
        p99_ms: answered ? r.p99 : null,
        requests: r.requests,
        unexpected: r.unexpected,
      };
    }),
    ratios: pagesRatios(results),
  };
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exit(1);
});
