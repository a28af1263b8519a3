import { mapConcurrent } from '../../src/common/map-concurrent';
import { loadConfig } from '../../src/config/app-config';
import { toCommentDocument, toPostDocument } from '../../src/store/mongo/mongo-documents';
import { listingPartitionsOf } from '../../src/store/mongo/mongo-listing-partitions';
import { encodeCursor, sortKeyOf } from '../../src/store/cursor';
import { Post } from '../../src/store/post';
import { PostStore } from '../../src/store/post-store';
import { PostStoreRouter } from '../../src/store/post-store.router';
import { nextVersion } from '../../src/store/versions';
import { dropTestStores, withMongo } from '../../test/integration/helpers/stores';
import { mongoUrlWithDb, uniqueName } from '../../test/support/test-env';
import { startApp } from './app-process';
import { waitUntilIdle } from './idle';
import { LoadResult, measure, measureAlone } from './load';
import type { ScaleMongoPageJson } from './results';
import { CHUNK, scaleChunk } from './scale-seed';
import { SCALE_ROUTES, deepCursor, scaleLoad } from './scale-routes';
import { storeContext } from './seed-module';

/** A query slower than this is a timeout (the driver's socket timeout ends it). */
export const MONGO_TIMEOUT_MS = 10_000;

export const MONGO_QUERIES = [
  'home: newest 21',
  'next page (keyset)',
  'post by _id',
  'comments of a post (51)',
  'update with version',
] as const;
export type MongoQuery = (typeof MONGO_QUERIES)[number];

export interface MongoQueryRow {
  query: MongoQuery;
  /** completed within MONGO_TIMEOUT_MS */
  samples: number;
  timeouts: number;
  /** other errors */
  errors: number;
  p50_ms: number | null;
  p99_ms: number | null;
  max_ms: number | null;
}

/** A page of the app in `mongo`, over HTTP: one request at a time, or `connections` at once. */
export type MongoPageRow = ScaleMongoPageJson;

export interface MongoScaleResult {
  posts: number;
  comments: number;
  seed_seconds: number;
  rows: MongoQueryRow[];
  /** the app's pages on the same data (absent: not measured) */
  pages?: MongoPageRow[];
}

export interface MongoScaleOptions {
  posts: number;
  /** per query: stop after this many samples… */
  samples: number;
  /** …or after this many seconds, whichever comes first */
  seconds: number;
  /** the database servers' pids, when local: each query starts once they are idle */
  serverPids: number[];
  log: (line: string) => void;
  /**
   * Also the app's pages over HTTP: the built app started on the seeded database (`appEnv`: the
   * bench's app settings), each route for `seconds` one request at a time, then with
   * `connections` at once.
   */
  pages?: { appEnv: Record<string, string>; seconds: number; connections: number };
}

/**
 * The Mongo store's main queries (the app's own MongoPostStore, in phase `mongo`) at
 * `options.posts` posts and 5× comments, one at a time, against any mongodb:// URL. The
 * documents go in with insertMany in the app's own layout (toPostDocument /
 * toCommentDocument), into a database of the run's own, dropped at the end.
 */
export async function measureMongoQueries(
  mongoUrl: string,
  options: MongoScaleOptions,
): Promise<MongoScaleResult> {
  const timeout = String(MONGO_TIMEOUT_MS);
  const config = loadConfig({
    NODE_ENV: 'development',
    MIGRATION_PHASE: 'mongo',
    MONGO_URL: mongoUrlWithDb(mongoUrl, uniqueName('bench_scale_mongo')),
    MONGO_SOCKET_TIMEOUT_MS: timeout,
    SECONDARY_WRITE_TIMEOUT_MS: timeout,
    HEALTH_CHECK_TIMEOUT_MS: timeout,
  });
  const context = await storeContext(config);
  try {
    const store = context.get(PostStoreRouter).storeNamed('mongo');
    const started = Date.now();
    const { ids, forUpdate, newest, comments, threads } = await seedMongo(config, options);
    const seedSeconds = (Date.now() - started) / 1000;
    options.log(`  seeded in ${seedSeconds.toFixed(0)} s`);
    const rows: MongoQueryRow[] = [];
    for (const query of MONGO_QUERIES) {
      await waitUntilIdle(options.serverPids);
      const row = await timeQuery(query, newest, store, ids, forUpdate, options);
      options.log(
        `  ${query.padEnd(24)} p50 ${fmt(row.p50_ms)} ms, p99 ${fmt(row.p99_ms)} ms, ${row.samples} samples, ${row.timeouts} timeouts`,
      );
      rows.push(row);
    }
    const pages = options.pages && (await measurePages(config.mongoUrl, threads, options));
    return {
      posts: options.posts,
      comments,
      seed_seconds: seedSeconds,
      rows,
      ...(pages && { pages }),
    };
  } finally {
    await context.close();
    await dropTestStores(config).catch(() => undefined);
  }
}

const fmt = (ms: number | null) => (ms === null || !Number.isFinite(ms) ? '-' : ms.toFixed(1));

async function seedMongo(
  config: ReturnType<typeof loadConfig>,
  options: MongoScaleOptions,
): Promise<{
  ids: string[];
  forUpdate: Post[];
  newest: { next: string };
  comments: number;
  threads: string[];
}> {
  const ids: string[] = [];
  const forUpdate: Post[] = [];
  // the 20 newest posts seen so far, for the second page's cursor: made from the seeded posts,
  // as the home page would make it, since the home page itself may time out
  let top: Post[] = [];
  let comments = 0;
  let threads: string[] = [];
  // the data of the Cassandra part's keyspaces (scaleChunk): same spread, same 50-comment threads
  const anchor = Date.now();
  await withMongo(config, async (db) => {
    for (let index = 0; index * CHUNK < options.posts; index++) {
      const chunk = scaleChunk(index, options.posts, anchor);
      await listingPartitionsOf(db).note(chunk.posts);
      await db.collection('posts').insertMany(chunk.posts.map(toPostDocument) as never[], {
        ordered: false,
      });
      const slices = Math.ceil(chunk.comments.length / 1000);
      await mapConcurrent(
        Array.from({ length: slices }, (_, i) => chunk.comments.slice(i * 1000, (i + 1) * 1000)),
        2,
        (slice) =>
          db.collection('comments').insertMany(slice.map(toCommentDocument) as never[], {
            ordered: false,
          }),
      );
      comments += chunk.comments.length;
      if (index === 0) threads = chunk.threads;
      ids.push(...chunk.posts.map((p) => p.id));
      top = [...top, ...chunk.posts].sort(newestFirst).slice(0, 20);
      if (forUpdate.length < options.samples * 2) forUpdate.push(...chunk.posts.slice(-10));
      if (ids.length % 20_000 < CHUNK) options.log(`  ${ids.length} posts in MongoDB`);
    }
  });
  const last = top[top.length - 1];
  const next = encodeCursor({
    sort: 'newest',
    key: sortKeyOf('newest', last),
    id: last.id,
    direction: 'after',
  });
  return { ids, forUpdate, newest: { next }, comments, threads };
}

/**
 * The app's pages on the seeded database, in `mongo`: the Cassandra part's routes, each alone
 * (the targets are one request at a time) and with `connections` at once (no request
 * may take over 10 s).
 */
async function measurePages(
  mongoUrl: string,
  threads: string[],
  options: MongoScaleOptions,
): Promise<MongoPageRow[]> {
  const { appEnv, seconds, connections } = options.pages!;
  const app = await startApp(
    { ...appEnv, MIGRATION_PHASE: 'mongo', MONGO_URL: mongoUrl },
    options.serverPids,
  );
  const rows: MongoPageRow[] = [];
  try {
    const deep = await deepCursor(app.url);
    for (const route of SCALE_ROUTES) {
      for (const callers of [1, connections]) {
        await app.settle();
        const load = scaleLoad(
          route,
          { url: app.url, connections: callers, seconds },
          deep,
          threads,
        );
        const r = callers === 1 ? await measureAlone(load) : await measure(load);
        rows.push(pageRow(route, callers, r));
        options.log(
          `  ${route.padEnd(28)} ${String(callers).padStart(2)} at once: p50 ${fmt(r.p50)} ms, p99 ${fmt(r.p99)} ms, max ${fmt(r.max)} ms, ${r.unexpected} bad`,
        );
      }
    }
  } finally {
    await app.stop();
  }
  return rows;
}

function pageRow(route: string, connections: number, r: LoadResult): MongoPageRow {
  const answered = r.requests > r.unexpected;
  const finite = (n: number) => (answered && Number.isFinite(n) ? n : null);
  return {
    route,
    connections,
    requests_per_second: r.requestsPerSecond,
    p50_ms: finite(r.p50),
    p99_ms: finite(r.p99),
    max_ms: finite(r.max),
    requests: r.requests,
    unexpected: r.unexpected,
  };
}

const newestFirst = (a: Post, b: Post) =>
  b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

async function timeQuery(
  query: MongoQuery,
  newest: { next: string },
  store: PostStore,
  ids: string[],
  forUpdate: Post[],
  options: MongoScaleOptions,
): Promise<MongoQueryRow> {
  const pick = () => ids[Math.floor(Math.random() * ids.length)];
  let updates = 0;
  const once = async (): Promise<unknown> => {
    switch (query) {
      case 'home: newest 21':
        return store.listPosts({ sort: 'newest', limit: 20 });
      case 'next page (keyset)':
        return store.listPosts({ sort: 'newest', limit: 20, cursor: newest.next });
      case 'post by _id':
        return store.getPost(pick());
      case 'comments of a post (51)':
        return store.listComments(pick(), 50);
      case 'update with version': {
        const previous = forUpdate[updates++ % forUpdate.length];
        const changed = {
          ...previous,
          title: `${previous.title} (edited)`,
          updatedAt: new Date(),
          version: nextVersion(previous.version),
        };
        const ok = await store.updatePost(changed, previous);
        forUpdate[(updates - 1) % forUpdate.length] = changed;
        if (!ok) throw new Error('update refused: version changed');
        return ok;
      }
    }
  };
  const times: number[] = [];
  let timeouts = 0;
  let errors = 0;
  const until = Date.now() + options.seconds * 1000;
  while (times.length + timeouts + errors < options.samples && Date.now() < until) {
    const started = process.hrtime.bigint();
    try {
      await once();
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (ms > MONGO_TIMEOUT_MS) timeouts++;
      else times.push(ms);
    } catch {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (ms >= MONGO_TIMEOUT_MS * 0.99) timeouts++;
      else errors++;
      // what the timed-out query left running in the server must not slow the next one
      await waitUntilIdle(options.serverPids);
    }
  }
  times.sort((a, b) => a - b);
  const at = (q: number) =>
    times.length ? times[Math.min(times.length - 1, Math.floor(q * times.length))] : null;
  return {
    query,
    samples: times.length,
    timeouts,
    errors,
    p50_ms: at(0.5),
    p99_ms: at(0.99),
    max_ms: times.length ? times[times.length - 1] : null,
  };
}
