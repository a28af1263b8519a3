import { NestExpressApplication } from '@nestjs/platform-express';
import { AppConfig, loadConfig } from '../../../src/config/app-config';
import { DualWritePostStore } from '../../../src/store/dual-write/dual-write-post-store';
import { MongoHintLog } from '../../../src/store/hints/mongo-hint-log';
import { MongoPostStore } from '../../../src/store/mongo/mongo-post-store';
import { PostStoreRouter } from '../../../src/store/post-store.router';
import { COMMENT_KIND } from '../../../src/kinds/comment.kind';
import { HintRetryService } from '../../../src/migration/reconcile/hint-retry.service';
import { HintLogs } from '../../../src/store/hints/hint-logs';
import { Replicas } from '../../../src/store/replicas';
import { commentDeleteVersion, newId, nextVersion, nowMicros } from '../../../src/store/versions';
import { StoreModule, storeModule } from '../helpers/store-module';
import { sleep } from '../../support/http-poll';
import { testEnv, testStores } from '../../support/test-env';
import { createTestApp, runCli } from '../helpers/app';
import { BlogClient } from '../helpers/blog-client';
import { dropTestStores } from '../helpers/stores';
import { TcpProxy } from '../helpers/tcp';
import { pollUntil } from '../../../src/common/poll';

const INTERVAL_MS = 2000;

/**
 * The shared Cassandra is never stopped: the app reaches it through a TCP proxy that the test
 * cuts and restores, which the app sees exactly as a crashed and restarted server.
 */
describe('hint retry: Cassandra unreachable during dual-write, hints drained by the scheduled job once it is back', () => {
  const stores = testStores();
  const [host, port] = stores.cassandraContactPoints.split(',')[0].split(':');
  const proxy = new TcpProxy(host, Number(port ?? 9042));
  let direct: AppConfig;
  let env: Record<string, string>;
  let app: NestExpressApplication;
  let blog: BlogClient;

  beforeAll(async () => {
    env = testEnv('hint_retry', {
      MIGRATION_PHASE: 'dual-write',
      HINT_RETRY_INTERVAL: `${INTERVAL_MS}ms`,
      RECONCILE_INTERVAL: '0',
      SECONDARY_WRITE_TIMEOUT_MS: '1500',
      STATS_MAX_AGE_MS: '0',
    });
    direct = loadConfig(env);
    const proxyPort = await proxy.start();
    app = await createTestApp(
      loadConfig({ ...env, CASSANDRA_CONTACT_POINTS: `127.0.0.1:${proxyPort}` }),
    );
    blog = await BlogClient.of(app);
  });

  afterAll(async () => {
    await proxy.start();
    await app?.close();
    await proxy.cut();
    await dropTestStores(direct);
  });

  const stats = async () =>
    (await blog.get('/api/stats').expect(200)).body as { pending_hints: number | null };
  const cassandraUp = async () =>
    (
      (await blog.get('/health/details').set(blog.writer.headers)).body as {
        info?: Record<string, unknown>;
      }
    ).info?.cassandra !== undefined;

  it('every request succeeds while Cassandra is cut; after it is back the hints are gone within one interval and verify is clean', async () => {
    const kept = await blog.createdId('Kept');
    const edited = await blog.createdId('Edited while Cassandra is away');
    const doomed = await blog.createdId('Deleted while Cassandra is away');
    const dual = app.get(PostStoreRouter).storeFor('dual-write') as DualWritePostStore;
    await dual.drain();

    await proxy.cut();
    const created = await blog.createdId('Created while Cassandra is away');
    const edit = await blog.edit(edited, {
      title: 'Edited while Cassandra is away (v2)',
      content: 'new content',
    });
    const comment = await blog.comment(kept, { commenter: 'Grace', comment: 'written blind' });
    const deletion = await blog.delete(doomed);
    for (const res of [edit, comment, deletion]) expect(res.status).toBeLessThan(400);
    expect(created).toMatch(/^[0-9a-f]{24}$/);
    await dual.drain();
    expect(dual.counters.missed).toBeGreaterThanOrEqual(4);
    expect((await stats()).pending_hints).toBeGreaterThanOrEqual(4);

    // the job keeps ticking while Cassandra is unreachable: nothing is lost or removed
    await sleep(INTERVAL_MS * 2);
    expect((await stats()).pending_hints).toBeGreaterThanOrEqual(4);

    await proxy.start();
    const deadline = Date.now() + 30_000;
    while (!(await cassandraUp())) {
      if (Date.now() > deadline) throw new Error('the app did not reconnect to Cassandra');
      await sleep(100);
    }
    const back = Date.now();
    while ((await stats()).pending_hints !== 0) {
      // one interval for the next tick, plus the retry run itself
      if (Date.now() - back > INTERVAL_MS + 3000) {
        throw new Error(`hints still pending ${Date.now() - back} ms after Cassandra came back`);
      }
      await sleep(100);
    }

    const verify = runCli(
      { ...env, NODE_ENV: 'test' },
      'migrate',
      'verify',
      '--json',
      '--recheck-delay',
      '200',
    );
    expect(JSON.parse(verify.stdout)).toMatchObject({ clean: true, differences: [] });
    expect(verify.status).toBe(0);
  });
});

describe('hint retry after a switch: hints the phase before left behind are copied in their own direction', () => {
  let env: Record<string, string>;
  let app: NestExpressApplication;
  let blog: BlogClient;

  beforeAll(async () => {
    env = testEnv('hint_leftover', {
      MIGRATION_PHASE: 'cassandra-primary',
      HINT_RETRY_INTERVAL: `${INTERVAL_MS}ms`,
      RECONCILE_INTERVAL: '0',
      STATS_MAX_AGE_MS: '0',
    });
    app = await createTestApp(loadConfig(env));
    blog = await BlogClient.of(app);
  });

  afterAll(async () => {
    await app?.close();
    await dropTestStores(loadConfig(env));
  });

  it('an edit MongoDB acknowledged in dual-write whose copy failed at the switch reaches Cassandra, now the primary', async () => {
    const id = await blog.createdId('Before the switch');
    const router = app.get(PostStoreRouter);
    await (router.storeFor('cassandra-primary') as DualWritePostStore).drain();
    // what dual-write did just before the switch: MongoDB (its primary) took the edit, the copy
    // to Cassandra failed and was hinted in MongoDB's log, which cassandra-primary does not use
    const mongo = app.get(MongoPostStore);
    const previous = await mongo.getPost(id);
    if (!previous) throw new Error('the post was not copied to MongoDB');
    const edited = {
      ...previous,
      title: 'Edited in dual-write, copy missed',
      updatedAt: new Date(),
      version: nextVersion(previous.version),
    };
    expect(await mongo.updatePost(edited, previous)).toBe(true);
    await app.get(MongoHintLog).record({
      entity: 'post',
      id,
      postId: id,
      op: 'upsert',
      at: nowMicros(),
      error: 'cassandra timed out (simulated)',
    });

    const hinted = Date.now();
    for (;;) {
      const post = await blog.get(`/api/posts/${id}`);
      if (post.status === 200 && post.body.title === edited.title) break;
      if (Date.now() - hinted > INTERVAL_MS + 3000) {
        throw new Error(
          `Cassandra still serves "${post.body.title}" ${Date.now() - hinted} ms later`,
        );
      }
      await sleep(100);
    }
    // the hint is removed right after its copy landed, which the read above may have seen first
    await pollUntil(
      () => app.get(MongoHintLog).pending(),
      (pending) => pending === 0,
      { waitMs: 2000, everyMs: 50 },
    );
    expect(await app.get(MongoHintLog).pending()).toBe(0);
  });
});

describe('hint retry of a comment’s deletion: the secondary loses the comment for good, in both directions', () => {
  let m: StoreModule;
  beforeAll(async () => {
    m = await storeModule('hint_cdel', 'dual-write', { SECONDARY_WRITE_TIMEOUT_MS: '60000' });
  });
  afterAll(() => m?.close());

  it.each([
    ['mongo', 'cassandra'],
    ['cassandra', 'mongo'],
  ] as const)(
    'deleted in %s, its copy to %s missed and hinted: the retry deletes it there',
    async (primaryName, secondaryName) => {
      const router = m.module.get(PostStoreRouter);
      const replicas = m.module.get(Replicas);
      const hints = m.module.get(HintLogs).get(primaryName);
      const dual = router.storeFor('dual-write') as DualWritePostStore;
      const createdAt = new Date();
      const post = {
        id: newId(createdAt),
        title: `Hinted comment deletion in ${primaryName}`,
        content: 'c',
        author: 'Ada',
        ownerId: '',
        createdAt,
        updatedAt: createdAt,
        version: nowMicros(),
      };
      await dual.createPost(post);
      const spam = { id: newId(), postId: post.id, commenter: 'Eve', comment: 'spam', createdAt };
      expect(await dual.addComment(spam)).toBe(true);
      await dual.drain();
      // the primary deleted it; its copy to the secondary failed and was hinted
      const deletedAt = commentDeleteVersion(spam.createdAt);
      expect(await router.storeNamed(primaryName).deleteComment(spam, deletedAt)).toBe(true);
      await hints.record({
        entity: 'comment',
        id: spam.id,
        postId: post.id,
        op: 'delete',
        at: nowMicros(),
        error: `${secondaryName} timed out (simulated)`,
      });
      const secondary = router.storeNamed(secondaryName);
      expect(await secondary.getComment(spam.id)).toEqual(spam);

      const result = await m.module
        .get(HintRetryService)
        .retry(replicas.get(primaryName), replicas.get(secondaryName), hints);
      expect(result).toEqual({ retried: 1, failed: 0 });
      expect(await hints.pending()).toBe(0);
      expect(await secondary.getComment(spam.id)).toBeNull();
      expect((await secondary.listComments(post.id, 10)).items).toEqual([]);
      expect(await replicas.get(secondaryName).state(COMMENT_KIND, spam.id)).toEqual({
        kind: 'deleted',
        deletedAt,
      });
      // the comment's own hinted copy, retried after its deletion, does not bring it back
      await hints.record({
        entity: 'comment',
        id: spam.id,
        postId: post.id,
        op: 'upsert',
        at: nowMicros(),
        error: 'replayed',
      });
      await replicas.get(secondaryName).apply(COMMENT_KIND, spam);
      await m.module
        .get(HintRetryService)
        .retry(replicas.get(primaryName), replicas.get(secondaryName), hints);
      expect(await secondary.getComment(spam.id)).toBeNull();
    },
  );
});
