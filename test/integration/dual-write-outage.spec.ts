import { AddressInfo } from 'node:net';
import { NestExpressApplication } from '@nestjs/platform-express';
import { AppConfig, loadConfig } from '../../src/config/app-config';
import { DualWritePostStore } from '../../src/store/dual-write/dual-write-post-store';
import { PostStoreRouter } from '../../src/store/post-store.router';
import { pollUntil, sleep } from '../support/http-poll';
import { testEnv } from '../support/test-env';
import { createTestApp } from './helpers/app';
import { BlogClient, signedInBrowser } from './helpers/blog-client';
import { requireManagedStack, stackCommand } from './helpers/stack-command';
import { dropTestStores, withCassandra, withMongo } from './helpers/stores';

/** The two 503 answers of a write to a stopped primary. */
const SAVED_OR_MAYBE = /nothing was saved|may or may not have been saved/i;

/** Every row of posts_by_id and comments_by_id, as id → version / id, read straight from Cassandra. */
async function cassandraContents(config: AppConfig) {
  return withCassandra(config, async (client) => {
    const ks = config.cassandraKeyspace;
    const posts = await client.execute(`SELECT id, version, title FROM ${ks}.posts_by_id`);
    const comments = await client.execute(`SELECT id FROM ${ks}.comments_by_id`);
    return {
      posts: posts.rows.map((r) => `${r.get('id')}:${r.get('title')}@${r.get('version')}`).sort(),
      comments: comments.rows.map((r) => r.get('id') as string).sort(),
    };
  });
}

const HINT_RETRY_MS = 2000;
/**
 * The hint retry job copies the missed writes within one interval (HINT_RETRY_MS) once Cassandra
 * is back; the test logs how long it took and fails only past this, so a busy machine (2 cores
 * shared with other test runs) does not fail it.
 */
const HINTS_COPIED_WITHIN_MS = 30_000;
/** Starting a stopped server, a new app (schema migrations) and closing it again take a while. */
const SETUP_MS = 240_000;
/** A test that stops a server and waits for it (or the app) to come back. */
const OUTAGE_TEST_MS = 300_000;

/**
 * Each test has its own app, database and keyspace, and starts with both servers running
 * (started again if an earlier test left one stopped), so any one runs alone (`-t`) or in any
 * order; after each, both run again.
 */
describe('dual-write while one store is stopped (real servers, stopped with the stack script)', () => {
  let config: AppConfig;
  let app: NestExpressApplication;
  let blog: BlogClient;
  let url: string;
  const dual = () => app.get(PostStoreRouter).storeFor('dual-write') as DualWritePostStore;

  beforeAll(() => {
    requireManagedStack('this test stops the test stack’s servers');
  });

  beforeEach(async () => {
    await stackCommand(['up']); // a no-op when both run
    config = loadConfig(
      testEnv('outage', {
        MIGRATION_PHASE: 'dual-write',
        SECONDARY_WRITE_TIMEOUT_MS: '3000',
        STATS_MAX_AGE_MS: '0',
        HINT_RETRY_INTERVAL: `${HINT_RETRY_MS}ms`,
      }),
    );
    app = await createTestApp(config);
    await app.listen(0, '127.0.0.1');
    url = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
    blog = await BlogClient.of(app);
  }, SETUP_MS);

  afterEach(async () => {
    // leave the test stack as we found it, whatever happened above
    await stackCommand(['up']);
    await app?.close();
    await dropTestStores(config);
  }, SETUP_MS);

  /**
   * Two posts written while both stores run; then Cassandra stopped and, through the app, a post
   * created, the first edited and commented, the second deleted. Cassandra stays stopped; the
   * copies may still be running (`dual().drain()` waits for them to be written or hinted).
   */
  async function writeDuringCassandraOutage() {
    const kept = await blog.createdId('Kept through the outage');
    const doomed = await blog.createdId('Deleted during the outage');
    await stackCommand(['down', 'cassandra']);

    const created = await blog.createdId('Written during the outage');
    const edited = await blog
      .edit(kept, { title: 'Edited during the outage', content: 'new' })
      .expect(200);
    const comment = await blog
      .comment(kept, { commenter: 'Bo', comment: 'still here' })
      .expect(201);
    await blog.delete(doomed).expect(200);
    return { kept, doomed, created, edited, comment };
  }

  it(
    'Cassandra (secondary) stopped: create, edit, comment and delete all succeed and are hinted; /api/stats shows them',
    async () => {
      const { kept, doomed, created, edited, comment } = await writeDuringCassandraOutage();
      // reads come from MongoDB, which has everything
      const page = await blog.get(`/post/${kept}`).expect(200);
      expect(page.text).toContain('Edited during the outage');
      expect(page.text).toContain('still here');

      // copies run after the answers: wait until each was written or hinted
      await dual().drain();
      const hints = await withMongo(config, (db) =>
        db
          .collection('hints')
          .find({}, { projection: { _id: 0, entity: 1, id: 1, op: 1 } })
          .toArray(),
      );
      expect(hints).toEqual(
        expect.arrayContaining([
          { entity: 'post', id: created, op: 'upsert' },
          { entity: 'post', id: kept, op: 'upsert' },
          { entity: 'comment', id: (comment.body as { id: string }).id, op: 'upsert' },
          { entity: 'post', id: doomed, op: 'delete' },
        ]),
      );
      expect(hints).toHaveLength(4);
      expect((edited.body as { version: number }).version).toBeGreaterThan(0);

      // totals are counted in the background: poll until MongoDB's count shows the writes
      const deadline = Date.now() + 20_000;
      let stats = await blog.get('/api/stats').expect(200);
      while (stats.body.stores.mongo.posts !== 2 && Date.now() < deadline) {
        await sleep(200);
        stats = await blog.get('/api/stats').expect(200);
      }
      expect(stats.body).toMatchObject({
        phase: 'dual-write',
        source_of_truth: 'mongo',
        pending_hints: 4,
        in_sync: false,
        secondary_writes: { in_flight: 0, missed: 4, unhinted: 0 },
      });
      expect(stats.body.stores.mongo).toMatchObject({ posts: 2, comments: 1 });
    },
    OUTAGE_TEST_MS,
  );

  it(
    'Cassandra started again: the hint retry job copies every missed write within one interval (logged)',
    async () => {
      // the same writes as in the test above, hinted while Cassandra is stopped
      await writeDuringCassandraOutage();
      await dual().drain();
      const hinted = await withMongo(config, (db) => db.collection('hints').countDocuments());
      expect(hinted).toBe(4);

      await stackCommand(['up', 'cassandra']);
      await pollUntil(`${url}/health`, (status) => status === 200, 60_000, 250);
      const back = Date.now();
      // the next tick (within one interval) takes the lease and copies the 4 records
      await pollUntil(
        `${url}/api/stats`,
        (status, body) => status === 200 && JSON.parse(body).pending_hints === 0,
        HINTS_COPIED_WITHIN_MS,
        100,
      );
      const took = Date.now() - back;
      console.log(
        `dual-write-outage | the hint retry job copied ${hinted} hinted writes ${took} ms after Cassandra was back (interval ${HINT_RETRY_MS} ms)`,
      );
      expect(took).toBeLessThanOrEqual(HINTS_COPIED_WITHIN_MS);
      const after = await cassandraContents(config);
      expect(after.posts.some((p) => p.includes(':Edited during the outage@'))).toBe(true);
      expect(after.posts.some((p) => p.includes(':Written during the outage@'))).toBe(true);
      expect(after.posts.some((p) => p.includes(':Deleted during the outage@'))).toBe(false);
      expect(after.comments).toHaveLength(1);
    },
    OUTAGE_TEST_MS,
  );

  it(
    'MongoDB (primary) stopped: every write fails with a clear error and Cassandra gets nothing new',
    async () => {
      // both stores run (beforeEach): a write reaches both
      await pollUntil(`${url}/health`, (status) => status === 200, 60_000, 250);
      const id = await blog.createdId('Written before MongoDB stops');
      const browser = await signedInBrowser(app);
      await dual().drain();
      const before = await cassandraContents(config);
      expect(before.posts.some((p) => p.startsWith(`${id}:`))).toBe(true);
      await stackCommand(['down', 'mongo']);

      // a signed-in browser's form post gets the error page
      const page = await browser.agent
        .post('/create')
        .type('form')
        .send({ title: 'Never stored', content: 'x', _csrf: browser.csrf });
      expect(page.status).toBe(503);
      expect(page.headers['content-type']).toMatch(/text\/html/);
      // refused ("nothing was saved"); or, if the write went out on a connection the server closed
      // as it stopped, the app cannot know and says so (see docs/api.md)
      expect(page.text).toMatch(SAVED_OR_MAYBE);

      const json = await blog.create({ title: 'Never stored either', content: 'x' });
      expect(json.status).toBe(503);
      expect(JSON.stringify(json.body)).toMatch(SAVED_OR_MAYBE);
      expect((await blog.edit(id, { title: 'Never', content: 'x' })).status).toBe(503);
      expect((await blog.comment(id, { commenter: 'Bo', comment: 'never' })).status).toBe(503);
      expect((await blog.delete(id)).status).toBe(503);

      // reads come from the primary too: a clear error page, not a crash or an empty list
      const home = await blog.get('/');
      expect(home.status).toBe(503);
      expect(home.text).toMatch(/database is not available/i);

      expect(await cassandraContents(config)).toEqual(before);
    },
    OUTAGE_TEST_MS,
  );
});
