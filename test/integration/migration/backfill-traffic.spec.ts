import { NestExpressApplication } from '@nestjs/platform-express';
import { Client, types } from 'cassandra-driver';
import { mapConcurrent } from '../../../src/common/map-concurrent';
import { AppConfig, loadConfig } from '../../../src/config/app-config';
import { BackfillCheckpoint } from '../../../src/migration/backfill/backfill.service';
import { DualWritePostStore } from '../../../src/store/dual-write/dual-write-post-store';
import { CommentDocument, PostDocument } from '../../../src/store/mongo/mongo-documents';
import { excerptOf } from '../../../src/store/post';
import { PostStoreRouter } from '../../../src/store/post-store.router';
import { sleep } from '../../support/http-poll';
import { testEnv } from '../../support/test-env';
import { createTestApp } from '../helpers/app';
import { BlogClient } from '../helpers/blog-client';
import { AckedPost, BlogTraffic } from '../helpers/blog-traffic';
import {
  Dataset,
  insertDataset,
  makeDataset,
  readCheckpoint,
  scanRows,
  startCli,
  verifyStores,
} from '../helpers/migration';
import { dropTestStores, rawCassandra, withMongo } from '../helpers/stores';

/** A store's (or the app's) view of some posts and comments, to compare with what was acked. */
interface Seen {
  posts: Map<string, { title: string; author: string; content: string; version: number }>;
  comments: Map<string, { postId: string; commenter: string; comment: string }>;
}

/**
 * Every difference between what the clients were told and what `seen` holds: each acked post
 * with its last acknowledged content and exactly its comments, each deleted post gone with its
 * comments. `complete`: `seen` read the whole store, so anything else in it is extra.
 */
function differences(where: string, acked: AckedPost[], seen: Seen, complete: boolean): string[] {
  const out: string[] = [];
  const expectedComments = new Map<string, string>();
  for (const post of acked) {
    const got = seen.posts.get(post.id);
    if (post.deleted) {
      if (got) out.push(`${where}: deleted post ${post.id} is there`);
    } else if (!got) {
      out.push(`${where}: post ${post.id} is missing`);
    } else {
      const want = { title: post.title, author: post.author, content: post.content };
      const has = { title: got.title, author: got.author, content: got.content };
      if (JSON.stringify(want) !== JSON.stringify(has)) {
        out.push(
          `${where}: post ${post.id} is ${JSON.stringify(has)}, acked ${JSON.stringify(want)}`,
        );
      }
      if (post.version !== undefined && got.version !== post.version) {
        out.push(`${where}: post ${post.id} has version ${got.version}, acked ${post.version}`);
      }
      for (const [id, c] of post.comments) {
        expectedComments.set(id, post.id);
        const gotComment = seen.comments.get(id);
        if (!gotComment) out.push(`${where}: comment ${id} of ${post.id} is missing`);
        else if (gotComment.comment !== c.comment || gotComment.commenter !== c.commenter) {
          out.push(`${where}: comment ${id} is ${JSON.stringify(gotComment)}`);
        }
      }
    }
  }
  const checked = new Set(acked.map((p) => p.id));
  for (const [id, c] of seen.comments) {
    if (expectedComments.has(id)) continue;
    if (complete || checked.has(c.postId)) {
      out.push(`${where}: comment ${id} of post ${c.postId} should not be there`);
    }
  }
  if (complete) {
    for (const id of seen.posts.keys()) {
      if (!checked.has(id)) out.push(`${where}: post ${id} was never written`);
    }
  }
  return out;
}

async function mongoSeen(config: AppConfig): Promise<Seen> {
  return withMongo(config, async (db) => {
    const posts = await db.collection<PostDocument>('posts').find({}).toArray();
    const comments = await db.collection<CommentDocument>('comments').find({}).toArray();
    return {
      posts: new Map(posts.map((d) => [d._id, { ...d, version: Number(d.version) }])),
      comments: new Map(comments.map((d) => [d._id, { ...d, postId: d.post_id }])),
    };
  });
}

/**
 * posts_by_id and comments_by_id, and where comments_by_post disagrees with comments_by_id (a
 * comment listed under a post without its row by id, or the other way round).
 */
async function cassandraSeen(client: Client, ks: string) {
  const scan = (table: string, pk: string, columns: string) =>
    scanRows(client, `${ks}.${table}`, pk, columns);
  const posts = await scan('posts_by_id', 'id', 'id, title, author, content, version');
  const byId = await scan('comments_by_id', 'id', 'id, post_id, commenter, comment');
  const byPost = await scan('comments_by_post', 'post_id', 'id, post_id');
  const seen: Seen = { posts: new Map(), comments: new Map() };
  for (const r of posts) {
    if (r.get('version') === null) continue; // cells a deletion left: no post
    seen.posts.set(r.get('id') as string, {
      title: r.get('title') as string,
      author: r.get('author') as string,
      content: r.get('content') as string,
      version: Number(r.get('version')),
    });
  }
  for (const r of byId) {
    seen.comments.set(r.get('id') as string, {
      postId: r.get('post_id') as string,
      commenter: r.get('commenter') as string,
      comment: r.get('comment') as string,
    });
  }
  const key = (r: types.Row) => `${r.get('post_id') as string}/${r.get('id') as string}`;
  const listed = new Set(byPost.map(key));
  const inById = new Set(byId.map(key));
  const byPostDiffers = [
    ...[...inById].filter((k) => !listed.has(k)).map((k) => `not in comments_by_post: ${k}`),
    ...[...listed].filter((k) => !inById.has(k)).map((k) => `only in comments_by_post: ${k}`),
  ];
  return { seen, byPostDiffers };
}

/** The posts as the app answers GET /api/posts/:id (404 = absent), with every comment page. */
async function appSeen(blog: BlogClient, ids: string[]): Promise<Seen> {
  const seen: Seen = { posts: new Map(), comments: new Map() };
  await mapConcurrent(ids, 4, async (id) => {
    let res = await blog.get(`/api/posts/${id}`);
    if (res.status === 404) return;
    if (res.status !== 200) throw new Error(`GET /api/posts/${id}: ${res.status} ${res.text}`);
    const post = res.body as { title: string; author: string; content: string; version: number };
    seen.posts.set(id, post);
    for (;;) {
      const body = res.body as {
        comments: { id: string; postId: string; commenter: string; comment: string }[];
        nextComments: string | null;
      };
      for (const c of body.comments) seen.comments.set(c.id, c);
      if (!body.nextComments) break;
      res = await blog
        .get(`/api/posts/${id}?comments=${encodeURIComponent(body.nextComments)}`)
        .expect(200);
    }
  });
  return seen;
}

/** Every post of the app's listing (GET /api/posts, newest first, 100 a page). */
async function appListing(blog: BlogClient) {
  const items: { id: string; title: string; author: string; excerpt: string; version: number }[] =
    [];
  let cursor: string | null = null;
  do {
    const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
    const res = await blog.get(`/api/posts?sort=newest&limit=100${query}`).expect(200);
    const page = res.body as { items: typeof items; next: string | null };
    items.push(...page.items);
    cursor = page.next;
  } while (cursor);
  return items;
}

/** The listing shows every live post once, with its acked title, author and excerpt. */
function listingDifferences(acked: AckedPost[], items: Awaited<ReturnType<typeof appListing>>) {
  const out: string[] = [];
  const listed = new Map(items.map((i) => [i.id, i]));
  if (listed.size !== items.length) out.push(`listing: ${items.length - listed.size} repeated`);
  for (const post of acked) {
    const item = listed.get(post.id);
    if (post.deleted) {
      if (item) out.push(`listing: deleted post ${post.id} is listed`);
      continue;
    }
    const want = { title: post.title, author: post.author, excerpt: excerptOf(post.content) };
    const has = item && { title: item.title, author: item.author, excerpt: item.excerpt };
    if (JSON.stringify(want) !== JSON.stringify(has)) {
      out.push(`listing: post ${post.id} is ${JSON.stringify(has)}, acked ${JSON.stringify(want)}`);
    } else if (post.version !== undefined && item!.version !== post.version) {
      out.push(`listing: post ${post.id} has version ${item!.version}, acked ${post.version}`);
    }
    listed.delete(post.id);
  }
  for (const id of listed.keys()) out.push(`listing: post ${id} was never written`);
  return out;
}

describe('backfill during traffic: migrate backfill while clients write through a dual-write app', () => {
  let env: Record<string, string>;
  let config: AppConfig;
  let app: NestExpressApplication;
  let blog: BlogClient;
  let cassandra: Client;
  let existing: Dataset;
  let traffic: BlogTraffic | undefined;

  beforeAll(async () => {
    env = testEnv('backfill_traffic', {
      MIGRATION_PHASE: 'dual-write',
      // what is tested is the backfill, not hints: copies are slow on a busy 2-core machine
      SECONDARY_WRITE_TIMEOUT_MS: '60000',
      // no scheduled hint retry or reconcile repairs what the backfill missed
      HINT_RETRY_INTERVAL: '0',
      RECONCILE_INTERVAL: '0',
    });
    config = loadConfig(env);
    app = await createTestApp(config); // applies the schema
    await app.listen(0, '127.0.0.1');
    blog = new BlogClient(app);
    cassandra = rawCassandra(config);
    await cassandra.connect();
    // written before dual-write started: in MongoDB only
    existing = makeDataset(2000, 6000, 'before');
    await withMongo(config, (db) => insertDataset(db, existing));
  }, 120_000);

  afterAll(async () => {
    await traffic?.stop();
    await cassandra?.shutdown();
    await app?.close();
    await dropTestStores(config);
  });

  it('every acknowledged write is in both stores and the app after the backfill, and verify is clean', async () => {
    traffic = new BlogTraffic(blog, existing);
    traffic.start(8);
    await sleep(1000);

    // the CLI as a user runs it, slowed down so the copy overlaps many writes
    const backfill = startCli(env, 'migrate', 'backfill', '--rate', '600');
    let exited = false;
    void backfill.done.then(() => (exited = true));
    let copying: { from?: number; to?: number } = {};
    let last: BackfillCheckpoint | undefined;
    while (!exited) {
      last = (await readCheckpoint(cassandra, config.cassandraKeyspace)) ?? last;
      if (last && copying.from === undefined) copying = { from: Date.now() };
      if (last?.stage === 'done' && copying.to === undefined) copying.to = Date.now();
      await sleep(100);
    }
    const run = await backfill.done;
    // the run may save its last checkpoint and exit between two looks
    last = (await readCheckpoint(cassandra, config.cassandraKeyspace)) ?? last;
    if (last?.stage === 'done' && copying.to === undefined) copying.to = Date.now();
    if (run.status !== 0) throw new Error(`backfill failed (${run.status}): ${run.stderr}`);
    expect(run.stdout).toMatch(/copied [\d,]+ posts and [\d,]+ comments/);

    await sleep(500);
    await traffic.stop();
    const dual = app.get(PostStoreRouter).storeFor('dual-write') as DualWritePostStore;
    await dual.drain();

    expect(traffic.unexpected).toEqual([]);
    expect(dual.counters).toMatchObject({ missed: 0, inFlight: 0 });
    // the traffic really ran while the backfill copied, on every kind of write
    expect(copying.to).toBeGreaterThan(copying.from!);
    const during = traffic.ackedBetween(copying.from!, copying.to!);
    console.log(
      `backfill: ${run.stdout.trim()}; acked writes ${JSON.stringify(countBy(traffic.acks.map((a) => a.op)))}, ${during} while copying (${((copying.to! - copying.from!) / 1000).toFixed(1)} s)`,
    );
    expect(during).toBeGreaterThan(50);
    for (const op of ['create', 'edit', 'comment', 'delete'] as const) {
      const n = traffic.acks.filter(
        (a) => a.op === op && a.at >= copying.from! && a.at <= copying.to!,
      );
      expect({ op, during: n.length > 0 }).toEqual({ op, during: true });
    }
    const acked = [...traffic.posts.values()];
    const old = acked.filter((p) => p.preexisting);
    expect(old.filter((p) => p.deleted).length).toBeGreaterThan(5);
    expect(old.filter((p) => p.version !== undefined && !p.deleted).length).toBeGreaterThan(20);
    expect(acked.filter((p) => !p.preexisting).length).toBeGreaterThan(10);

    const verify = await verifyStores(env);
    if (verify.status !== 0 || !verify.report?.clean) {
      throw new Error(
        `verify is not clean (exit ${verify.status}):\n${verify.stdout}${verify.stderr}`,
      );
    }
    const live = acked.filter((p) => !p.deleted);
    const liveComments = live.reduce((n, p) => n + p.comments.size, 0);
    expect(verify.report.records).toEqual({
      mongo: { posts: live.length, comments: liveComments },
      cassandra: { posts: live.length, comments: liveComments },
    });

    expect(differences('mongo', acked, await mongoSeen(config), true)).toEqual([]);
    const cassandraView = await cassandraSeen(cassandra, config.cassandraKeyspace);
    expect(differences('cassandra', acked, cassandraView.seen, true)).toEqual([]);
    expect(cassandraView.byPostDiffers).toEqual([]);
    // the app: every post in its listing (title, author, excerpt, version); every deleted post
    // (a 404) and a sample of the others one by one, with their comments: each such GET lists
    // the post's comments, which FerretDB answers with a scan of the whole collection (~0.3 s)
    expect(listingDifferences(acked, await appListing(blog))).toEqual([]);
    const shuffled = (posts: AckedPost[]) => posts.sort(() => Math.random() - 0.5);
    const written = shuffled(acked.filter((p) => p.touched && !p.deleted)).slice(0, 40);
    const untouched = shuffled(old.filter((p) => !p.touched)).slice(0, 10);
    const checked = [...acked.filter((p) => p.deleted), ...written, ...untouched];
    const ids = checked.map((p) => p.id);
    expect(differences('app', checked, await appSeen(blog, ids), false)).toEqual([]);
  }, 240_000);
});

function countBy(values: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}
