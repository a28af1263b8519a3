/**
 * `npm run bench:scale`: whether a page's cost stays flat as the blog grows, in phase `cassandra`.
 * Seeds BENCH_SCALE_SIZES posts (10 000, 100 000, 1 000 000 by default; comments 5×) straight
 * into the app's Cassandra tables with the app's own row builders (bench/support/scale-seed.ts),
 * growing from one size to the next. At each size it reports the seeding rate and the keyspace's
 * size on disk, starts the built app (NODE_ENV=production, its own process) and measures with
 * autocannon at BENCH_CONNECTIONS connections: the home page, a page 50 `next` cursors deep, a
 * post page with 50 comments and the first title-sorted page, each after the app and the
 * databases are idle. It prints, per route, p50 at the largest size over p50 at the smallest
 * (target ≤ 1.30), and writes bench/results/scale.json after every size (a run cut short keeps
 * what it measured).
 * Then the Mongo store's main queries at BENCH_SCALE_MONGO_POSTS posts in phase `mongo`, one at
 * a time (bench/support/scale-mongo.ts; a query over 10 s is a timeout).
 *
 * Options (env): BENCH_SCALE_SIZES (10000,100000,1000000), BENCH_SCALE_MONGO_POSTS (100000; 0:
 * skip), BENCH_SCALE_MONGO_SAMPLES (20) and BENCH_SCALE_MONGO_SECONDS (60) per query,
 * BENCH_SECONDS (10) and BENCH_CONNECTIONS (16) per route, BENCH_MONGO_URL +
 * BENCH_CASSANDRA_CONTACT_POINTS (else the test stack; TEST_STACK_* choose its folder and ports).
 */
import { execSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AppConfig, loadConfig } from '../src/config/app-config';
import { startApp } from './support/app-process';
import { BenchServers, benchAppEnv, benchServers } from './support/bench-stack';
import { LoadResult, measure } from './support/load';
import { RESULTS_DIR, Ratio, ScaleJson, resultsMeta, writeResults } from './support/results';
import { MONGO_TIMEOUT_MS, measureMongoQueries } from './support/scale-mongo';
import { SCALE_ROUTES, ScaleRoute, deepCursor, scaleLoad } from './support/scale-routes';
import { ScaleSeeder, flushedKeyspaceBytes } from './support/scale-seed';
import { storeContext } from './support/seed-module';
import { dropTestStores } from '../test/integration/helpers/stores';

const TARGET = 1.3;
const log = (line: string) => console.log(`bench:scale: ${line}`);

/** A bad option is one readable line and exit 1, before anything starts. */
function options() {
  const fail = (message: string): never => {
    console.error(`bench:scale: ${message}`);
    process.exit(1);
  };
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = process.env[name];
    if (raw === undefined || raw === '') return fallback;
    const n = /^\d+$/.test(raw.trim()) ? Number(raw) : NaN;
    if (!(n >= min && n <= max)) {
      fail(`${name} must be a whole number from ${min} to ${max} (got "${raw}")`);
    }
    return n;
  };
  const rawSizes = process.env.BENCH_SCALE_SIZES || '10000,100000,1000000';
  const sizes = rawSizes.split(',').map((s) => (/^\s*\d+\s*$/.test(s) ? Number(s) : NaN));
  // the deep page needs 51 pages of 20; the first size also seeds the 50-comment posts
  const ok = sizes.every((n, i) => n >= 1100 && n <= 10_000_000 && (i === 0 || n > sizes[i - 1]));
  if (!ok) {
    fail(
      `BENCH_SCALE_SIZES must be post counts from 1100 to 10000000, ascending, comma-separated (got "${rawSizes}")`,
    );
  }
  const parts = (process.env.BENCH_SCALE_PARTS || 'cassandra,mongo')
    .split(',')
    .map((p) => p.trim());
  if (!parts.length || parts.some((p) => p !== 'cassandra' && p !== 'mongo')) {
    fail(
      `BENCH_SCALE_PARTS must be cassandra, mongo or both, comma-separated (got "${process.env.BENCH_SCALE_PARTS}")`,
    );
  }
  const rawUntil = process.env.BENCH_SCALE_SEED_UNTIL;
  const until = rawUntil ? Date.parse(rawUntil) : Infinity;
  if (Number.isNaN(until)) {
    fail(
      `BENCH_SCALE_SEED_UNTIL must be a date and time, e.g. 2026-12-04T15:10:00Z (got "${rawUntil}")`,
    );
  }
  return {
    sizes,
    cassandra: parts.includes('cassandra'),
    mongo: parts.includes('mongo'),
    until,
    mongoPosts: int('BENCH_SCALE_MONGO_POSTS', 100_000, 0, 10_000_000),
    mongoSamples: int('BENCH_SCALE_MONGO_SAMPLES', 20, 1, 100_000),
    mongoSeconds: int('BENCH_SCALE_MONGO_SECONDS', 60, 1, 3600),
    seconds: int('BENCH_SECONDS', 10, 1, 3600),
    connections: int('BENCH_CONNECTIONS', 16, 1, 1000),
  };
}

const OPTIONS = options();

async function main(): Promise<void> {
  log('building the app (nest build)');
  execSync('npx nest build', { cwd: path.resolve(__dirname, '..'), stdio: 'inherit' });
  const servers = await benchServers();
  const env = benchAppEnv(servers, 'bench_scale');
  const appEnv = { ...env, MIGRATION_PHASE: 'cassandra' };
  const config = loadConfig({ ...appEnv, NODE_ENV: 'development' });
  // a part this run leaves out keeps what the last run measured (its own date and commit)
  const previous = readPrevious();
  const json: ScaleJson = {
    meta: meta(),
    sizes: OPTIONS.cassandra ? [] : (previous?.sizes ?? []),
    rows: OPTIONS.cassandra ? [] : (previous?.rows ?? []),
    ratios: OPTIONS.cassandra ? [] : (previous?.ratios ?? []),
    cassandra_measured: OPTIONS.cassandra ? null : (previous?.cassandra_measured ?? null),
    mongo: OPTIONS.mongo ? null : (previous?.mongo ?? null),
  };
  try {
    if (OPTIONS.cassandra) {
      json.cassandra_measured = measuredNow();
      await cassandraPart(config, appEnv, servers, json);
      report(json);
    }
    if (OPTIONS.mongo && OPTIONS.mongoPosts > 0) {
      log(`the Mongo store's queries at ${OPTIONS.mongoPosts} posts, phase mongo`);
      const mongo = await measureMongoQueries(servers.mongoUrl, {
        posts: OPTIONS.mongoPosts,
        samples: OPTIONS.mongoSamples,
        seconds: OPTIONS.mongoSeconds,
        serverPids: servers.pids,
        log,
      });
      json.mongo = {
        ...measuredNow(),
        server: process.env.BENCH_MONGO_URL
          ? 'the server at BENCH_MONGO_URL'
          : `the stack's MongoDB-wire server (${process.env.STACK_MONGO || 'default'})`,
        timeout_ms: MONGO_TIMEOUT_MS,
        ...mongo,
      };
    }
    json.meta = meta();
    log(`results written to ${await writeResults('scale', json)}`);
  } finally {
    await dropTestStores(config).catch(() => undefined);
    await servers.release();
  }
}

function readPrevious(): ScaleJson | undefined {
  const file = path.join(process.env.BENCH_RESULTS_DIR ?? RESULTS_DIR, 'scale.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as ScaleJson) : undefined;
}

function measuredNow() {
  const { date, commit, dirty } = resultsMeta('scale', {});
  return { date: date ?? '', commit, dirty };
}

/** Grows the keyspace size by size (or until BENCH_SCALE_SEED_UNTIL) and measures each. */
async function cassandraPart(
  config: AppConfig,
  appEnv: Record<string, string>,
  servers: BenchServers,
  json: ScaleJson,
): Promise<void> {
  await (await storeContext(config)).close(); // the schema migrations: the app's own tables
  const seeder = new ScaleSeeder(config);
  await seeder.connect();
  try {
    for (const size of OPTIONS.sizes) {
      log(`seeding up to ${size} posts and ${size * 5} comments`);
      const step = await seeder.growTo(
        size,
        (p) =>
          log(
            `  ${p.posts} posts, ${p.rows} rows in ${p.seconds.toFixed(0)} s (${(p.rows / p.seconds).toFixed(0)} rows/s)`,
          ),
        OPTIONS.until,
      );
      const posts = seeder.total;
      if (posts < size) log(`BENCH_SCALE_SEED_UNTIL passed: this size stops at ${posts} posts`);
      const dataBytes = servers.cassandraDataDir
        ? await flushedKeyspaceBytes(config, servers.cassandraDataDir).catch((error: Error) => {
            log(`the keyspace's size on disk is not known: ${error.message}`);
            return null;
          })
        : null;
      json.sizes.push({
        posts,
        comments: seeder.commentTotal,
        added_posts: step.posts,
        added_comments: step.comments,
        rows: step.rows,
        seed_seconds: step.seconds,
        rows_per_second: step.rows_per_second,
        data_bytes: dataBytes,
        load_average: os.loadavg(),
      });
      log(
        `${posts} posts: ${step.rows} rows in ${step.seconds.toFixed(0)} s = ${step.rows_per_second.toFixed(0)} rows/s; on disk ${dataBytes === null ? 'unknown' : `${(dataBytes / 2 ** 20).toFixed(0)} MiB`}`,
      );
      await measureSize(posts, appEnv, servers.pids, seeder.fullThreads, json);
      json.ratios = ratios(json);
      json.meta = meta();
      await writeResults('scale', json);
      if (posts < size) break;
    }
  } finally {
    await seeder.shutdown();
  }
}

function meta() {
  return resultsMeta('scale', {
    BENCH_SCALE_SIZES: OPTIONS.sizes.join(','),
    BENCH_SCALE_MONGO_POSTS: OPTIONS.mongoPosts,
    BENCH_SCALE_MONGO_SAMPLES: OPTIONS.mongoSamples,
    BENCH_SCALE_MONGO_SECONDS: OPTIONS.mongoSeconds,
    BENCH_SECONDS: OPTIONS.seconds,
    BENCH_CONNECTIONS: OPTIONS.connections,
    BENCH_SCALE_PARTS: process.env.BENCH_SCALE_PARTS,
    BENCH_SCALE_SEED_UNTIL: process.env.BENCH_SCALE_SEED_UNTIL,
  });
}

/** The four routes at one size, each after the app and the databases are idle; a fresh app. */
async function measureSize(
  size: number,
  appEnv: Record<string, string>,
  pids: number[],
  threads: string[],
  json: ScaleJson,
): Promise<void> {
  const app = await startApp(appEnv, pids);
  try {
    const deep = await deepCursor(app.url);
    const base = { url: app.url, connections: OPTIONS.connections, seconds: OPTIONS.seconds };
    for (const route of SCALE_ROUTES) {
      await app.settle();
      const r: LoadResult = await measure(scaleLoad(route, base, deep, threads));
      log(
        `${String(size).padStart(8)} ${route.padEnd(28)} ${r.requestsPerSecond.toFixed(0).padStart(5)} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms, ${r.unexpected} bad`,
      );
      const answered = r.requests > 0;
      json.rows.push({
        posts: size,
        route,
        connections: OPTIONS.connections,
        requests_per_second: r.requestsPerSecond,
        p50_ms: answered ? r.p50 : null,
        p99_ms: answered ? r.p99 : null,
        requests: r.requests,
        unexpected: r.unexpected,
      });
    }
  } finally {
    await app.stop();
  }
}

/** Per route: p50 at the largest size measured over p50 at the smallest. */
function ratios(json: ScaleJson): Ratio[] {
  const sizes = json.sizes.map((s) => s.posts);
  if (sizes.length < 2) return [];
  const [small, large] = [sizes[0], sizes[sizes.length - 1]];
  const p50 = (posts: number, route: ScaleRoute) =>
    json.rows.find((r) => r.posts === posts && r.route === route)?.p50_ms ?? NaN;
  return SCALE_ROUTES.map((route) => {
    const [numerator, denominator] = [p50(large, route), p50(small, route)];
    const value = numerator / denominator;
    return {
      name: `${route} p50, ${label(large)} / ${label(small)}`,
      numerator,
      denominator,
      value,
      target: `≤ ${TARGET.toFixed(2)}`,
      met: Number.isFinite(value) ? value <= TARGET : null,
    };
  });
}

const label = (n: number) =>
  n >= 1e6 && n % 1e6 === 0 ? `${n / 1e6}M` : n % 1000 === 0 ? `${n / 1000}k` : String(n);

function report(json: ScaleJson): void {
  console.log(`\n${OPTIONS.connections} connections, ${OPTIONS.seconds} s per route\n`);
  console.log('|     posts | route                        |  req/s | p50 ms | p99 ms | bad |');
  console.log('| --------: | ---------------------------- | -----: | -----: | -----: | --: |');
  for (const r of json.rows) {
    console.log(
      `| ${String(r.posts).padStart(9)} | ${r.route.padEnd(28)} | ${r.requests_per_second.toFixed(0).padStart(6)} | ${String(r.p50_ms).padStart(6)} | ${String(r.p99_ms).padStart(6)} | ${String(r.unexpected).padStart(3)} |`,
    );
  }
  console.log('');
  for (const s of json.sizes) {
    console.log(
      `${s.posts} posts: seeded ${s.rows} rows at ${s.rows_per_second.toFixed(0)} rows/s; keyspace on disk ${s.data_bytes === null ? 'unknown' : `${(s.data_bytes / 2 ** 20).toFixed(0)} MiB`}`,
    );
  }
  for (const r of json.ratios) {
    const verdict = r.met === null ? 'not measured' : r.met ? 'PASS' : 'FAIL';
    console.log(`${r.name} (target ${r.target}): ${(r.value ?? NaN).toFixed(2)} ${verdict}`);
  }
  const bad = json.rows.reduce((sum, r) => sum + (r.unexpected ?? 0), 0);
  console.log(`unexpected statuses or errors: ${bad}`);
  if (bad > 0) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exit(1);
});
