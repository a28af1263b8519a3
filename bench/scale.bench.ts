/**
 * `npm run bench:scale`: whether a page's cost stays flat as the blog grows, in phase `cassandra`.
 * Each of BENCH_SCALE_SIZES (10 000, 100 000, 1 000 000 posts by default; comments 5×) has a
 * keyspace of its own (scale_10k, scale_100k, scale_1m) in the bench's own stack (.stack-scale,
 * kept between runs), seeded straight into the app's Cassandra tables with the app's own row
 * builders (bench/support/scale-seed.ts). Seeding is resumable: a keyspace records how far it
 * got, and a rerun continues it (a complete one is left as it is). Each size reports its seeding
 * rate and its keyspace's size on disk.
 * Then BENCH_SCALE_ROUNDS rounds: in each, a fresh built app per size (NODE_ENV=production, its
 * own process), and every route in turn on every size in turn (the sizes' order rotated round by
 * round), at BENCH_CONNECTIONS connections after the app and the databases are idle: GET /login
 * (the control: it reads no post), the home page, a page 50 `next` cursors deep, a post page with
 * 50 comments and the first title-sorted page. Per size and route the medians of the rounds; per route p50 at the largest
 * size over p50 at the smallest (target ≤ 1.30; the control's ratio is the machine's noise).
 * bench/results/scale.json is written after every round (a run cut short keeps what it measured).
 * Then the Mongo store's main queries at BENCH_SCALE_MONGO_POSTS posts in phase `mongo`, one at
 * a time (bench/support/scale-mongo.ts; a query over 10 s is a timeout), and the app's pages on
 * that data: the routes above for BENCH_SECONDS each, one request at a time and at
 * BENCH_CONNECTIONS.
 *
 * Options (env, bench/support/scale-options.ts): BENCH_SCALE_SIZES (10000,100000,1000000),
 * BENCH_SCALE_ROUNDS (3), BENCH_SCALE_SEED_ONLY (1: seed, then stop), BENCH_SCALE_PARTS
 * (cassandra,mongo), BENCH_SCALE_SEED_UNTIL, BENCH_SCALE_MONGO_POSTS (100000; 0: skip),
 * BENCH_SCALE_MONGO_SAMPLES (20) and BENCH_SCALE_MONGO_SECONDS (60) per query, BENCH_SECONDS (10)
 * and BENCH_CONNECTIONS (16) per route, BENCH_MONGO_URL + BENCH_CASSANDRA_CONTACT_POINTS (else
 * the bench's stack; SCALE_STACK_DIR / _CASSANDRA_PORT / _CASSANDRA_STORAGE_PORT / _MONGO_PORT,
 * or the TEST_STACK_* ones, choose its folder and ports).
 */
import { execSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadConfig } from '../src/config/app-config';
import { AppProcess, startApp } from './support/app-process';
import { BenchServers, benchAppEnv, benchServers } from './support/bench-stack';
import { measure } from './support/load';
import {
  RESULTS_DIR,
  ScaleJson,
  ScaleSizeJson,
  resultsMeta,
  writeResults,
} from './support/results';
import { MONGO_TIMEOUT_MS, measureMongoQueries } from './support/scale-mongo';
import { parseScaleOptions } from './support/scale-options';
import {
  ScaleRoundRow,
  medianRows,
  roundOrder,
  roundRatios,
  scaleRatios,
  sizeLabel,
} from './support/scale-report';
import { MEASURED_ROUTES, deepCursor, scaleLoad } from './support/scale-routes';
import { ScaleSeeder, flushedKeyspaceBytes, keyspaceOf } from './support/scale-seed';
import { storeContext } from './support/seed-module';
import { dropTestStores } from '../test/integration/helpers/stores';
import { scaleStackEnv } from '../test/support/test-stack';

const log = (line: string) => console.log(`bench:scale: ${line}`);

/** A bad option is one readable line and exit 1, before anything starts. */
const OPTIONS = (() => {
  const parsed = parseScaleOptions(process.env);
  if ('error' in parsed) {
    console.error(`bench:scale: ${parsed.error}`);
    process.exit(1);
  }
  return parsed.options;
})();

/** One size: its keyspace, the app's environment on it, and what its seed recorded. */
interface SizeRun {
  target: number;
  keyspace: string;
  appEnv: Record<string, string>;
  json: ScaleSizeJson;
  threads: string[];
}

async function main(): Promise<void> {
  if (!OPTIONS.seedOnly) {
    log('building the app (nest build)');
    execSync('npx nest build', { cwd: path.resolve(__dirname, '..'), stdio: 'inherit' });
  }
  Object.assign(process.env, scaleStackEnv());
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
    ...(OPTIONS.cassandra
      ? { rounds: OPTIONS.rounds, round_rows: [], round_ratios: [] }
      : {
          rounds: previous?.rounds,
          round_rows: previous?.round_rows,
          round_ratios: previous?.round_ratios,
        }),
    cassandra_measured: OPTIONS.cassandra ? null : (previous?.cassandra_measured ?? null),
    // how the kept rounds ran, and what was noted of them
    ...(!OPTIONS.cassandra && previous?.interleave && { interleave: previous.interleave }),
    ...(!OPTIONS.cassandra && previous?.notes && { notes: previous.notes }),
    mongo: OPTIONS.mongo ? null : (previous?.mongo ?? null),
  };
  try {
    if (OPTIONS.cassandra) {
      const sizes = await seedAll(appEnv, servers);
      if (OPTIONS.seedOnly) {
        log('BENCH_SCALE_SEED_ONLY=1: seeded; nothing measured, no results written');
        return;
      }
      json.sizes = sizes.map((s) => s.json);
      json.cassandra_measured = measuredNow();
      await measureRounds(sizes, servers.pids, json);
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
        pages: { appEnv: env, seconds: OPTIONS.seconds, connections: OPTIONS.connections },
      });
      json.mongo = {
        ...measuredNow(),
        server: servers.mongoLabel,
        timeout_ms: MONGO_TIMEOUT_MS,
        ...mongo,
      };
    }
    json.meta = meta();
    log(`results written to ${await writeResults('scale', json)}`);
  } finally {
    // the run's own keyspace and database (the sizes' keyspaces stay: they are the seed)
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

/**
 * Each size's keyspace: its schema (the app's migrations), then its seed continued until it holds
 * its posts (or until BENCH_SCALE_SEED_UNTIL; a complete keyspace is left as it is), then its size
 * on disk after a flush (kept from the last run when nothing was added).
 */
async function seedAll(baseEnv: Record<string, string>, servers: BenchServers): Promise<SizeRun[]> {
  const out: SizeRun[] = [];
  for (const target of OPTIONS.sizes) {
    const keyspace = keyspaceOf(target);
    const appEnv = { ...baseEnv, CASSANDRA_KEYSPACE: keyspace };
    const config = loadConfig({ ...appEnv, NODE_ENV: 'development' });
    await (await storeContext(config)).close(); // the schema migrations: the app's own tables
    const seeder = new ScaleSeeder(config);
    await seeder.connect();
    try {
      const before = await seeder.state();
      log(
        before && before.posts >= target
          ? `${keyspace}: complete (${before.posts} posts, ${before.rows} rows), not reseeded`
          : before
            ? `${keyspace}: continuing at ${before.posts} of ${target} posts`
            : `${keyspace}: seeding ${target} posts and ${target * 5} comments`,
      );
      const run = await seeder.seed(
        target,
        (p) =>
          log(
            `  ${keyspace}: ${p.posts} posts, ${p.rows} rows in ${p.seconds.toFixed(0)} s (${(p.rows / Math.max(p.seconds, 0.001)).toFixed(0)} rows/s)`,
          ),
        OPTIONS.until,
      );
      const state = run.state;
      if (state.posts < target) {
        log(
          `${keyspace}: BENCH_SCALE_SEED_UNTIL passed at ${state.posts} posts (a rerun continues)`,
        );
      }
      if (state.dataBytes === null && servers.cassandraDataDir) {
        state.dataBytes = await flushedKeyspaceBytes(config, servers.cassandraDataDir).catch(
          (error: Error) => {
            log(`${keyspace}: its size on disk is not known: ${error.message}`);
            return null;
          },
        );
        await seeder.record(state);
      }
      const rate = state.rows / Math.max(state.seconds, 0.001);
      log(
        `${keyspace}: ${state.posts} posts, ${state.rows} rows in ${state.seconds.toFixed(0)} s of seeding = ${rate.toFixed(0)} rows/s (${run.rows} rows this run); on disk ${state.dataBytes === null ? 'unknown' : `${(state.dataBytes / 2 ** 20).toFixed(0)} MiB`}`,
      );
      out.push({
        target,
        keyspace,
        appEnv,
        threads: state.threads,
        json: {
          posts: state.posts,
          comments: state.comments,
          added_posts: state.posts,
          added_comments: state.comments,
          rows: state.rows,
          seed_seconds: state.seconds,
          rows_per_second: rate,
          data_bytes: state.dataBytes,
          load_average: [],
          keyspace,
          rows_this_run: run.rows,
        },
      });
    } finally {
      await seeder.shutdown();
    }
    if (out[out.length - 1].json.posts < target) break;
  }
  return out;
}

/**
 * BENCH_SCALE_ROUNDS rounds. In each, a fresh app per size (all started at the round's start),
 * then every route in turn, the control first, and each route on every size one after the other
 * (the sizes' order rotated from round to round): the sizes of one route are measured within
 * seconds of each other, so the machine's load changes little between them. The medians, the
 * ratios and the results file after each round.
 */
async function measureRounds(sizes: SizeRun[], pids: number[], json: ScaleJson): Promise<void> {
  const posts = sizes.map((s) => s.json.posts);
  const rounds: ScaleRoundRow[] = [];
  json.interleave = 'route';
  for (let round = 1; round <= OPTIONS.rounds; round++) {
    log(`round ${round} of ${OPTIONS.rounds}: starting an app per size`);
    const apps: Array<{ size: SizeRun; app: AppProcess; deep: string }> = [];
    try {
      for (const size of roundOrder(sizes, round)) {
        if (round === 1) size.json.load_average = os.loadavg();
        const app = await startApp(size.appEnv, pids);
        apps.push({ size, app, deep: '' });
        apps[apps.length - 1].deep = await deepCursor(app.url);
      }
      for (const route of MEASURED_ROUTES) {
        for (const { size, app, deep } of apps) {
          await app.settle();
          const base = { url: app.url, connections: OPTIONS.connections, seconds: OPTIONS.seconds };
          const r = await measure(scaleLoad(route, base, deep, size.threads));
          log(
            `  round ${round} ${sizeLabel(size.json.posts).padStart(5)} ${route.padEnd(28)} ${r.requestsPerSecond.toFixed(0).padStart(5)} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms, ${r.unexpected} bad`,
          );
          const answered = r.requests > 0;
          rounds.push({
            round,
            posts: size.json.posts,
            route,
            connections: OPTIONS.connections,
            requests_per_second: r.requestsPerSecond,
            p50_ms: answered ? r.p50 : null,
            p99_ms: answered ? r.p99 : null,
            requests: r.requests,
            unexpected: r.unexpected,
          });
        }
      }
    } finally {
      await Promise.all(apps.map(({ app }) => app.stop()));
    }
    json.round_rows = rounds;
    json.rows = medianRows(rounds, posts, MEASURED_ROUTES);
    json.ratios = scaleRatios(json.rows, posts, MEASURED_ROUTES);
    json.round_ratios = roundRatios(rounds, posts, MEASURED_ROUTES);
    json.rounds = round;
    json.meta = meta();
    await writeResults('scale', json);
  }
}

function meta() {
  return resultsMeta('scale', {
    BENCH_SCALE_SIZES: OPTIONS.sizes.join(','),
    BENCH_SCALE_ROUNDS: OPTIONS.rounds,
    BENCH_SCALE_MONGO_POSTS: OPTIONS.mongoPosts,
    BENCH_SCALE_MONGO_SAMPLES: OPTIONS.mongoSamples,
    BENCH_SCALE_MONGO_SECONDS: OPTIONS.mongoSeconds,
    BENCH_SECONDS: OPTIONS.seconds,
    BENCH_CONNECTIONS: OPTIONS.connections,
    BENCH_SCALE_PARTS: process.env.BENCH_SCALE_PARTS,
    BENCH_SCALE_SEED_UNTIL: process.env.BENCH_SCALE_SEED_UNTIL,
  });
}

function report(json: ScaleJson): void {
  console.log(
    `\n${OPTIONS.connections} connections, ${OPTIONS.seconds} s per route; medians of ${json.rounds ?? 1} rounds\n`,
  );
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
    const verdict =
      r.target === null
        ? 'control: ~1.00 on a steady machine'
        : r.met === null
          ? 'not measured'
          : r.met
            ? 'PASS'
            : 'FAIL';
    console.log(
      `${r.name} (target ${r.target ?? 'none'}): ${(r.value ?? NaN).toFixed(2)} ${verdict}`,
    );
  }
  const bad = json.rows.reduce((sum, r) => sum + (r.unexpected ?? 0), 0);
  console.log(`unexpected statuses or errors: ${bad}`);
  if (bad > 0) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exit(1);
});
