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
import { waitUntilIdle } from './idle';
import { fakeComment } from './seed';
import { spreadPost } from './scale-seed';
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

export interface MongoScaleResult {
  posts: number;
  comments: number;
  seed_seconds: number;
  rows: MongoQueryRow[];
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
    const { ids, forUpdate, newest } = await seedMongo(config, options);
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
    return { posts: options.posts, comments: options.posts * 5, seed_seconds: seedSeconds, rows };
  } finally {
    await context.close();
    await dropTestStores(config).catch(() => undefined);
  }
}

const fmt = (ms: number | null) => (ms === null ? '-' : ms.toFixed(1));

async function seedMongo(
  config: ReturnType<typeof loadConfig>,
  options: MongoScaleOptions,
): Promise<{ ids: string[]; forUpdate: Post[]; newest: { next: string } }> {
  const ids: string[] = [];
  const forUpdate: Post[] = [];
  // the 20 newest posts seen so far, for the second page's cursor: made from the seeded posts,
  // as the home page would make it, since the home page itself may time out
  let top: Post[] = [];
  const now = Date.now();
  await withMongo(config, async (db) => {
    const chunk = 1000;
    for (let done = 0; done < options.posts; done += chunk) {
      const posts = Array.from({ length: Math.min(chunk, options.posts - done) }, () =>
        spreadPost(now),
      );
      const comments = Array.from({ length: posts.length * 5 }, () =>
        fakeComment(posts[Math.floor(Math.random() * posts.length)]),
      );
      await listingPartitionsOf(db).note(posts);
      await db.collection('posts').insertMany(posts.map(toPostDocument) as never[], {
        ordered: false,
      });
      await mapConcurrent(
        Array.from({ length: 5 }, (_, i) => comments.slice(i * chunk, (i + 1) * chunk)),
        2,
        (slice) =>
          db.collection('comments').insertMany(slice.map(toCommentDocument) as never[], {
            ordered: false,
          }),
      );
      ids.push(...posts.map((p) => p.id));
      top = [...top, ...posts].sort(newestFirst).slice(0, 20);
      if (forUpdate.length < options.samples * 2) forUpdate.push(...posts.slice(0, 10));
      if ((done + chunk) % 20_000 === 0) options.log(`  ${done + chunk} posts in MongoDB`);
    }
  });
  const last = top[top.length - 1];
  const next = encodeCursor({
    sort: 'newest',
    key: sortKeyOf('newest', last),
    id: last.id,
    direction: 'after',
  });
  return { ids, forUpdate, newest: { next } };
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
