/**
 * `npm run bench:migration`: how fast and how lean the MongoDB → Cassandra data migration is, in
 * one run, as ratios (the machine is shared; ratios measured together are what count).
 *
 * Seeds BENCH_POSTS posts (default 100 000) and 5 × as many comments into MongoDB only
 * (insertMany, documents made by the app's own toPostDocument / toCommentDocument; titles of
 * 5-10 words, content of 500-2000 characters, comments of 50-300), in a database and keyspace of
 * the bench's own (schema from the app's migrations), then measures:
 * (a) the raw Cassandra write ceiling: the statements backfill writes per record, for every
 *     seeded record, from memory (see raw-writes.ts), into a keyspace of its own;
 * (b) `migrate backfill` as a child process: its records/s and peak RSS;
 * (c) a naive copy of a sample (the first BENCH_NAIVE_POSTS posts in _id order, default 2000,
 *     then the first 5 × as many comments; each kind for at most BENCH_NAIVE_SECONDS, default
 *     60): findOne, then applyPost / applyComment, one at a time (see naive-copy.ts);
 * (d) `migrate verify --json` (must be clean), and a bare scan of everything verify reads
 *     (bare-scan.ts) right before and right after it;
 * and (b) + (d) again on BENCH_SMALL_POSTS posts (default 10 000, a dataset of its own) to show
 * peak memory does not grow with the data. Waits until the database servers are idle before
 * each measurement, and notes the CPU seconds each process (and the whole shared machine) used
 * during it. Drops every database and keyspace it made at the end.
 *
 * Options (env): BENCH_POSTS, BENCH_SMALL_POSTS, BENCH_NAIVE_POSTS, BENCH_NAIVE_SECONDS,
 * BENCH_CONCURRENCY (for (a), and passed to the backfill only when set: its default is 64),
 * BENCH_CPU_PROF_DIR (CPU profiles of the backfill and verify children go there),
 * BENCH_MONGO_URL + BENCH_CASSANDRA_CONTACT_POINTS (else the test stack, started if needed).
 */
import { AppConfig, loadConfig } from '../src/config/app-config';
import { dropTestStores, withCassandra, withMongo } from '../test/integration/helpers/stores';
import { benchAppEnv, benchServers, BenchServers } from './support/bench-stack';
import { ownCpuSeconds, withCpu } from './support/cpu-meter';
import { waitUntilIdle } from './support/idle';
import { Records, seedMongo } from './support/migration-data';
import {
  CpuRow,
  MigrationResults,
  migrationJson,
  printReport,
  SizeResults,
} from './support/migration-report';
import {
  BareScanRun,
  cliBaseline,
  runBackfill,
  runBareScan,
  runVerify,
} from './support/migration-steps';
import { naiveCopy } from './support/naive-copy';
import { rawWrites } from './support/raw-writes';
import { storeContext } from './support/seed-module';
import { resultsMeta, writeResults } from './support/results';
import { serverPids } from './support/server-pids';

const POSTS = Number(process.env.BENCH_POSTS ?? 100_000);
const SMALL_POSTS = Number(process.env.BENCH_SMALL_POSTS ?? 10_000);
const NAIVE_POSTS = Math.min(POSTS, Number(process.env.BENCH_NAIVE_POSTS ?? 2000));
const NAIVE_SECONDS = Number(process.env.BENCH_NAIVE_SECONDS ?? 60);
const CONCURRENCY_SET = process.env.BENCH_CONCURRENCY;
const CONCURRENCY = Number(CONCURRENCY_SET ?? 64);
const COMMENTS_PER_POST = 5;

const log = (line: string) => console.log(`bench:migration: ${line}`);
const since = (at: number) => `${((Date.now() - at) / 1000).toFixed(1)} s`;

interface Dataset {
  posts: number;
  /** the app's environment for the CLI children (phase dual-write, development) */
  env: Record<string, string>;
  config: AppConfig;
}

function dataset(servers: BenchServers, name: string, posts: number): Dataset {
  const env = {
    ...benchAppEnv(servers, name),
    NODE_ENV: 'development',
    MIGRATION_PHASE: 'dual-write',
  };
  return { posts, env, config: loadConfig(env) };
}

/** The same servers and MongoDB database, a keyspace of its own. */
function otherKeyspace(servers: BenchServers, from: Dataset, name: string): AppConfig {
  const { CASSANDRA_KEYSPACE } = benchAppEnv(servers, name);
  return loadConfig({ ...from.env, CASSANDRA_KEYSPACE });
}

const dropKeyspace = (config: AppConfig) =>
  withCassandra(config, (client) =>
    client.execute(`DROP KEYSPACE IF EXISTS ${config.cassandraKeyspace}`),
  );

/** Applies the app's schema migrations to both stores (the CLI does so too in development). */
async function applySchema(config: AppConfig): Promise<void> {
  await (await storeContext(config)).close();
}

async function seed(data: Dataset, keep: boolean): Promise<Records> {
  await applySchema(data.config);
  const started = Date.now();
  const comments = data.posts * COMMENTS_PER_POST;
  log(`seeding ${data.posts} posts and ${comments} comments into MongoDB`);
  const records = await withMongo(data.config, (db) =>
    seedMongo(db, data.posts, comments, keep, log),
  );
  log(`seeded in ${since(started)}`);
  return records;
}

async function main(): Promise<void> {
  const servers = await benchServers();
  const pids = serverPids(servers);
  const cpu: CpuRow[] = [];
  /** Waits until the servers are idle, then runs one measurement and notes where the CPU went. */
  const step = async <T extends { cpuSeconds: number }>(label: string, run: () => Promise<T>) => {
    const idleFrom = Date.now();
    await waitUntilIdle(pids, 0.15, 180_000);
    log(`servers idle after ${since(idleFrom)} (pids ${pids.join(', ') || 'unknown'}); ${label}`);
    const measured = await withCpu(pids, run, (result) => result.cpuSeconds);
    cpu.push({ label, ...measured.cpu });
    return measured.result;
  };
  /** Runs a measurement in this process, with this process's CPU seconds. */
  const inProcess = async <T>(run: () => Promise<T>) => {
    const before = ownCpuSeconds();
    const result = await run();
    return { ...result, cpuSeconds: ownCpuSeconds() - before };
  };
  const big = dataset(servers, 'bench_mig', POSTS);
  const small = dataset(servers, 'bench_mig_small', SMALL_POSTS);
  const raw = otherKeyspace(servers, big, 'bench_mig_raw');
  const naive = otherKeyspace(servers, big, 'bench_mig_naive');
  try {
    let records: Records | undefined = await seed(big, true);
    await seed(small, false);
    await applySchema(raw);
    const all = records;

    const rawResult = await step('(a) raw Cassandra writes', () =>
      inProcess(() => rawWrites(raw, all, CONCURRENCY)),
    );
    log(`(a) ${Math.round(rawResult.rate)} records/s in ${rawResult.seconds.toFixed(1)} s`);
    await dropKeyspace(raw); // its compactions would run under the backfill otherwise

    const concurrency = CONCURRENCY_SET === undefined ? undefined : CONCURRENCY;
    const bigBackfill = await step('(b) migrate backfill', () =>
      runBackfill(big.env, 'backfill-big', concurrency),
    );
    log(`(b) ${bigBackfill.rate} records/s in ${bigBackfill.seconds} s`);

    const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
    const postIds = [...records.posts]
      .sort(byId)
      .slice(0, NAIVE_POSTS)
      .map((p) => p.id);
    const commentIds = [...records.comments]
      .sort(byId)
      .slice(0, NAIVE_POSTS * COMMENTS_PER_POST)
      .map((c) => c.id);
    records = undefined; // ~1 GB at 100 000 posts, not needed any more
    const naiveResult = await step('(c) naive copy', () =>
      inProcess(() =>
        naiveCopy(naive, postIds, commentIds, COMMENTS_PER_POST, NAIVE_SECONDS * 1000),
      ),
    );
    log(`(c) ${Math.round(naiveResult.rate)} records/s (${JSON.stringify(naiveResult)})`);
    await dropKeyspace(naive);

    const bare: BareScanRun[] = [];
    bare.push(await step('(d) bare scan, before verify', () => runBareScan(big.env)));
    log(`(d) bare scan ${bare[0].seconds} s ${JSON.stringify(bare[0].counts)}`);
    const bigVerify = await step('(d) migrate verify', () => runVerify(big.env, 'verify-big'));
    log(`(d) verify clean in ${bigVerify.report.seconds} s`);
    bare.push(await step('(d) bare scan, after verify', () => runBareScan(big.env)));
    log(`(d) bare scan ${bare[1].seconds} s`);

    const smallBackfill = await step(`(b) migrate backfill, ${SMALL_POSTS} posts`, () =>
      runBackfill(small.env, 'backfill-small', concurrency),
    );
    const smallVerify = await step(`(d) migrate verify, ${SMALL_POSTS} posts`, () =>
      runVerify(small.env, 'verify-small'),
    );
    const baseline = await cliBaseline(small.env);

    const sized = (data: Dataset, backfill: typeof bigBackfill, verify: typeof bigVerify) => {
      const expected = data.posts * (1 + COMMENTS_PER_POST);
      if (backfill.posts + backfill.comments !== expected) {
        throw new Error(`backfill copied ${backfill.posts + backfill.comments} of ${expected}`);
      }
      return { posts: data.posts, backfill, verify } satisfies SizeResults;
    };
    const results: MigrationResults = {
      concurrency: CONCURRENCY,
      commentsPerPost: COMMENTS_PER_POST,
      raw: rawResult,
      naive: naiveResult,
      big: sized(big, bigBackfill, bigVerify),
      small: sized(small, smallBackfill, smallVerify),
      bare,
      cliBaseline: baseline,
      cpu,
    };
    const met = printReport(results);
    log(met ? 'every target met' : 'some targets NOT MET');
    const meta = resultsMeta('migration', {
      BENCH_POSTS: POSTS,
      BENCH_SMALL_POSTS: SMALL_POSTS,
      BENCH_NAIVE_POSTS: NAIVE_POSTS,
      BENCH_NAIVE_SECONDS: NAIVE_SECONDS,
      BENCH_CONCURRENCY: CONCURRENCY,
    });
    log(`results written to ${await writeResults('migration', migrationJson(results, meta))}`);
  } finally {
    for (const config of [big.config, small.config]) {
      await dropTestStores(config).catch(() => undefined);
    }
    for (const config of [raw, naive]) await dropKeyspace(config).catch(() => undefined);
    await servers.release();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exit(1);
});
