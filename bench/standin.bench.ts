/**
 * `npm run bench:standin`: which MongoDB stand-in of the local stack serves the blog's own store
 * queries best. For each candidate (STACK_MONGO=ferretdb-sqlite, ferretdb-postgres) it starts
 * that FerretDB in a data folder of its own, applies the app's Mongo schema migrations, writes
 * BENCH_STANDIN_SIZES posts (10 000, then up to 100 000) with 5 comments each straight into the
 * collections (insertMany, as the app's documents), and times, through the app's own
 * MongoPostStore, one call at a time: the home page, the next page (keyset cursor), a post by
 * _id, a post's comments and an updatePost (version check + updateOne). Then the home page and
 * the post page (post + its comments) at BENCH_STANDIN_CONNECTIONS (16) calls at once, counting
 * calls over 10 s. Writes bench/results/standin.json (`npm run bench:docs` renders it).
 *
 * Options (env): BENCH_STANDIN_CANDIDATES (comma list), BENCH_STANDIN_SIZES (default
 * 10000,100000), BENCH_STANDIN_SECONDS (time budget per query and size, default 10; at least
 * BENCH_STANDIN_MIN_SAMPLES, default 3, are taken however slow), BENCH_STANDIN_LOAD_SECONDS
 * (default 15), BENCH_STANDIN_DIR (default .stack-bench-standin), BENCH_STANDIN_MONGO_PORT
 * (27442) and BENCH_STANDIN_POSTGRES_PORT (5443).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { INestApplicationContext } from '@nestjs/common';
import mongoose from 'mongoose';
import { stopProcess } from '../scripts/stack/process-control';
import { Stack } from '../scripts/stack/stack';
import { loadStackSettings, MongoBackend, REPO_ROOT } from '../scripts/stack/stack-settings';
import { loadConfig } from '../src/config/app-config';
import { toCommentDocument, toPostDocument } from '../src/store/mongo/mongo-documents';
import { listingPartitionsOf } from '../src/store/mongo/mongo-listing-partitions';
import { Post } from '../src/store/post';
import { PostStore } from '../src/store/post-store';
import { PostStoreRouter } from '../src/store/post-store.router';
import { nextVersion } from '../src/store/versions';
import { fakeComment } from './support/seed';
import { spreadPost } from './support/scale-seed';
import { storeContext } from './support/seed-module';
import { StandinJson, StandinRowJson, resultsMeta, writeResults } from './support/results';

const env = process.env;
/**
 * STACK_MONGO's values, and `ferretdb-postgres-nogin`: FerretDB on PostgreSQL without the stack's
 * GIN twins (scripts/stack/postgres-gin.ts), at the first size only, to show what they change.
 */
type Candidate = MongoBackend | 'ferretdb-postgres-nogin';
const CANDIDATES = (
  env.BENCH_STANDIN_CANDIDATES ?? 'ferretdb-postgres,ferretdb-postgres-nogin,ferretdb-sqlite'
)
  .split(',')
  .map((c) => c.trim()) as Candidate[];
const SIZES = (env.BENCH_STANDIN_SIZES ?? '10000,100000').split(',').map(Number);
const SECONDS = Number(env.BENCH_STANDIN_SECONDS ?? 10);
const MIN_SAMPLES = Number(env.BENCH_STANDIN_MIN_SAMPLES ?? 2);
const MAX_SAMPLES = 200;
const LOAD_SECONDS = Number(env.BENCH_STANDIN_LOAD_SECONDS ?? 15);
const LOAD_CAP_SECONDS = Number(env.BENCH_STANDIN_LOAD_CAP_SECONDS ?? 60);
const CONNECTIONS = Number(env.BENCH_STANDIN_CONNECTIONS ?? 16);
const COMMENTS_PER_POST = 5;
const SLOW_MS = 10_000;
const DIR = path.resolve(REPO_ROOT, env.BENCH_STANDIN_DIR ?? '.stack-bench-standin');

const log = (line: string) => console.log(`bench:standin: ${line}`);
const since = (start: number) => ((Date.now() - start) / 1000).toFixed(1);

function percentile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/**
 * One call at a time until the time budget is spent (at least MIN_SAMPLES), after one warm-up
 * call unless that one is slow (then it counts: at 100 000 posts a call can take seconds).
 */
async function alone(fn: () => Promise<unknown>): Promise<{ p50: number; p99: number; n: number }> {
  const times: number[] = [];
  const warmUp = await timed(fn);
  if (warmUp > 1000) times.push(warmUp);
  const until = Date.now() + SECONDS * 1000;
  while (times.length < MAX_SAMPLES && (times.length < MIN_SAMPLES || Date.now() < until)) {
    times.push(await timed(fn));
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 0.5), p99: percentile(times, 0.99), n: times.length };
}

/**
 * CONNECTIONS callers in a loop for LOAD_SECONDS. Calls still under way then are waited for up
 * to LOAD_CAP_SECONDS in all; those still unanswered count as over 10 s (the stand-in is
 * stopped after the last size, which ends them).
 */
async function loaded(fn: () => Promise<unknown>) {
  const times: number[] = [];
  let failed = 0;
  let inFlight = 0;
  const start = Date.now();
  const until = start + LOAD_SECONDS * 1000;
  const workers = Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (Date.now() < until) {
        inFlight++;
        try {
          times.push(await timed(fn));
        } catch {
          failed++;
        } finally {
          inFlight--;
        }
      }
    }),
  );
  let cap: NodeJS.Timeout | undefined;
  await Promise.race([
    workers,
    new Promise((resolve) => (cap = setTimeout(resolve, LOAD_CAP_SECONDS * 1000))),
  ]);
  clearTimeout(cap);
  const unanswered = inFlight;
  times.sort((a, b) => a - b);
  return {
    p50: unanswered ? null : percentile(times, 0.5),
    p99: unanswered ? null : percentile(times, 0.99),
    max: unanswered ? null : times[times.length - 1],
    n: times.length + unanswered,
    over10s: times.filter((ms) => ms > SLOW_MS).length + unanswered,
    failed,
    unanswered,
  };
}

/** Posts and their comments straight into the collections, 1 000 documents per insertMany. */
async function seedDirect(mongoUrl: string, count: number, ids: string[]): Promise<void> {
  const client = new mongoose.mongo.MongoClient(mongoUrl);
  await client.connect();
  try {
    const db = client.db();
    const batch = 200;
    const now = Date.now();
    for (let done = 0; done < count; done += batch) {
      // ten years of posts, as bench:scale seeds them: a listing page reads one month's
      const posts = Array.from({ length: Math.min(batch, count - done) }, () => spreadPost(now));
      const comments = posts.flatMap((post) =>
        Array.from({ length: COMMENTS_PER_POST }, () => fakeComment(post)),
      );
      await listingPartitionsOf(db).note(posts);
      await db.collection('posts').insertMany(posts.map(toPostDocument) as never[], {
        ordered: false,
      });
      await db.collection('comments').insertMany(comments.map(toCommentDocument) as never[], {
        ordered: false,
      });
      ids.push(...posts.map((p) => p.id));
      if ((done + batch) % 20_000 === 0) log(`  ${done + batch}/${count} posts`);
    }
  } finally {
    await client.close();
  }
}

async function measureSize(
  candidate: Candidate,
  size: number,
  store: PostStore,
  ids: string[],
): Promise<StandinRowJson[]> {
  const pick = () => ids[Math.floor(Math.random() * ids.length)];
  const first = await store.listPosts({ sort: 'newest', limit: 20 });
  if (first.items.length !== 20 || !first.next) throw new Error('the home page is not full');
  const cursor = first.next;
  const postPage = async () => {
    const id = pick();
    await store.getPost(id);
    await store.listComments(id, 50);
  };
  const queries: Array<[string, () => Promise<unknown>]> = [
    ['home (newest 20)', () => store.listPosts({ sort: 'newest', limit: 20 })],
    ['next page (keyset)', () => store.listPosts({ sort: 'newest', limit: 20, cursor })],
    ['post by _id', () => store.getPost(pick())],
    ['comments of a post (50)', () => store.listComments(pick(), 50)],
    [
      'updatePost (version check)',
      async () => {
        const post = (await store.getPost(pick())) as Post;
        const next = { ...post, title: `${post.title}!`, version: nextVersion(post.version) };
        const start = process.hrtime.bigint();
        if (!(await store.updatePost(next, post))) throw new Error('update refused');
        return Number(process.hrtime.bigint() - start) / 1e6;
      },
    ],
  ];
  const rows: StandinRowJson[] = [];
  for (const [query, fn] of queries) {
    let result;
    if (query.startsWith('updatePost')) {
      // time the update only, not the read that gives it its previous version
      const times: number[] = [];
      const until = Date.now() + SECONDS * 1000;
      await fn();
      while (times.length < MAX_SAMPLES && (times.length < MIN_SAMPLES || Date.now() < until)) {
        times.push((await fn()) as number);
      }
      times.sort((a, b) => a - b);
      result = { p50: percentile(times, 0.5), p99: percentile(times, 0.99), n: times.length };
    } else {
      result = await alone(fn);
    }
    log(
      `  ${candidate} ${size}: ${query}: p50 ${result.p50.toFixed(1)} ms, p99 ${result.p99.toFixed(1)} ms (${result.n})`,
    );
    rows.push({
      candidate,
      posts: size,
      query,
      connections: 1,
      p50_ms: result.p50,
      p99_ms: result.p99,
      samples: result.n,
      max_ms: null,
      over_10s: null,
      failed: null,
    });
  }
  // the home page last: calls it leaves unanswered would slow what comes after
  for (const [query, fn] of [
    ['post page (post + 50 comments)', postPage],
    ['home (newest 20)', () => store.listPosts({ sort: 'newest', limit: 20 })],
  ] as const) {
    const r = await loaded(fn);
    log(
      `  ${candidate} ${size}: ${query} x${CONNECTIONS}: p50 ${r.p50?.toFixed(0)} ms, max ${r.max?.toFixed(0)} ms, ${r.over10s}/${r.n} over 10 s (${r.unanswered} unanswered after ${LOAD_CAP_SECONDS} s), ${r.failed} failed`,
    );
    rows.push({
      candidate,
      posts: size,
      query,
      connections: CONNECTIONS,
      p50_ms: r.p50 ?? null,
      p99_ms: r.p99 ?? null,
      samples: r.n,
      max_ms: r.max ?? null,
      over_10s: r.over10s,
      failed: r.failed,
    });
  }
  return rows;
}

const NO_GIN_SQL = `
DROP EVENT TRIGGER IF EXISTS blog_gin_twin_on_create_index;
DO $do$
DECLARE twin record;
BEGIN
  FOR twin IN SELECT schemaname, indexname FROM pg_indexes WHERE indexname ~ '_gin_[0-9a-f]{12}$'
  LOOP
    EXECUTE format('DROP INDEX %I.%I', twin.schemaname, twin.indexname);
  END LOOP;
END
$do$;
`;

async function runCandidate(candidate: Candidate): Promise<StandinRowJson[]> {
  const noGin = candidate === 'ferretdb-postgres-nogin';
  const backend: MongoBackend = noGin ? 'ferretdb-postgres' : candidate;
  const stackDir = path.join(DIR, candidate);
  const settings = loadStackSettings({
    ...env,
    STACK_DIR: stackDir,
    STACK_MONGO: backend,
    STACK_MONGO_PORT: env.BENCH_STANDIN_MONGO_PORT ?? '27442',
    STACK_POSTGRES_PORT: env.BENCH_STANDIN_POSTGRES_PORT ?? '5443',
  });
  const stack = new Stack(settings);
  await stack.down(['ferretdb']);
  fs.rmSync(stackDir, { recursive: true, force: true });
  let started = Date.now();
  await stack.up(['ferretdb']);
  log(`${candidate}: up in ${since(started)} s`);
  if (noGin) stack.services.postgres.psql(NO_GIN_SQL);
  const mongoUrl = `mongodb://${settings.host}:${settings.mongoPort}/bench_standin`;
  const config = loadConfig({
    ...env,
    MONGO_URL: mongoUrl,
    MIGRATION_PHASE: 'mongo',
    // a listing at 100 000 posts can take over the app's 60 s: measure it, not the timeout
    MONGO_SOCKET_TIMEOUT_MS: '600000',
    NODE_ENV: 'development',
  });
  let context: INestApplicationContext | undefined;
  const rows: StandinRowJson[] = [];
  try {
    context = await storeContext(config);
    const store = context.get(PostStoreRouter).storeNamed('mongo');
    const ids: string[] = [];
    for (const size of noGin ? SIZES.slice(0, 1) : SIZES) {
      started = Date.now();
      await seedDirect(mongoUrl, size - ids.length, ids);
      const seconds = (Date.now() - started) / 1000;
      log(
        `${candidate}: ${size} posts (${size * COMMENTS_PER_POST} comments) in the store, seeding took ${seconds.toFixed(0)} s`,
      );
      const sizeRows = await measureSize(candidate, size, store, ids);
      rows.push(...sizeRows);
      if (sizeRows.some((r) => r.p50_ms === null)) {
        // calls left unanswered by the load would slow what follows: a new FerretDB ends them
        // (and PostgreSQL cancels their queries: client_connection_check_interval)
        const ferretdb = stack.services.ferretdb;
        await stopProcess({ pidFile: ferretdb.pidFile, marker: ferretdb.marker }, 15_000);
        await stack.up(['ferretdb']);
      }
    }
  } finally {
    await context?.close();
    // BENCH_KEEP_STACK=1 leaves the last candidate running, to look at with psql or a client
    if (env.BENCH_KEEP_STACK !== '1' || candidate !== CANDIDATES[CANDIDATES.length - 1]) {
      await stack.down(['ferretdb']);
      fs.rmSync(stackDir, { recursive: true, force: true });
    }
  }
  return rows;
}

async function main(): Promise<void> {
  const started = Date.now();
  const rows: StandinRowJson[] = [];
  // written after each candidate too, so a run cut short still leaves what it measured
  const save = () => writeResults('standin', results(rows, (Date.now() - started) / 1000));
  for (const candidate of CANDIDATES) {
    rows.push(...(await runCandidate(candidate)));
    await save();
  }
  log(`done in ${since(started)} s; results written to ${await save()}`);
}

function results(rows: StandinRowJson[], runSeconds: number): StandinJson {
  return {
    meta: {
      ...resultsMeta('standin', {
        BENCH_STANDIN_CANDIDATES: CANDIDATES.join(','),
        BENCH_STANDIN_SIZES: SIZES.join(','),
        BENCH_STANDIN_SECONDS: SECONDS,
        BENCH_STANDIN_MIN_SAMPLES: MIN_SAMPLES,
        BENCH_STANDIN_LOAD_SECONDS: LOAD_SECONDS,
        BENCH_STANDIN_LOAD_CAP_SECONDS: LOAD_CAP_SECONDS,
        BENCH_STANDIN_CONNECTIONS: CONNECTIONS,
      }),
      servers: 'FerretDB 1.24 of the stack per candidate (scripts/stack, STACK_MONGO)',
    },
    rows,
    run_seconds: runSeconds,
  };
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exit(1);
});
