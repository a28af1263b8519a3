import { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { AppConfig, loadConfig } from '../../src/config/app-config';
import { ReconcileService } from '../../src/migration/reconcile/reconcile.service';
import { SecondaryCopies } from '../../src/store/dual-write/secondary-copier';
import { PostStoreRouter } from '../../src/store/post-store.router';
import { newId, nowMicros } from '../../src/store/versions';
import { FaultProxy } from '../support/fault-proxy';
import { CONTRACT_METRICS, sample, total } from '../support/metrics-text';
import { testEnv, testStores } from '../support/test-env';
import { createTestApp } from './helpers/app';
import { BlogClient } from './helpers/blog-client';
import { cli, cliEnvOf, verifyStores } from './helpers/migration';
import { dropTestStores } from './helpers/stores';

const METRICS_TOKEN = 'integration-metrics-token-0123456789abcdef';
/** A copy to Cassandra slower than this is hinted; the proxy's latency makes every copy so. */
const COPY_TIMEOUT_MS = 500;
const SLOW_CASSANDRA_MS = 1500;

/**
 * `GET /metrics` on the real stores in dual-write: traffic, copies (written, then hinted while
 * Cassandra is slowed by a proxy between the app and it), a backfill and a verify run from the
 * CLI (another process: what they leave in the migration state is what the app shows) and an
 * in-app reconcile each move their metrics, read before and after.
 */
describe('GET /metrics (dual-write, real servers)', () => {
  let proxy: FaultProxy;
  let direct: AppConfig;
  let app: NestExpressApplication;
  let blog: BlogClient;

  beforeAll(async () => {
    const env = testEnv('metrics', {
      MIGRATION_PHASE: 'dual-write',
      METRICS_TOKEN,
      SECONDARY_WRITE_TIMEOUT_MS: String(COPY_TIMEOUT_MS),
      // hints stay pending until the reconcile below copies them
      HINT_RETRY_INTERVAL: '0',
      RECONCILE_INTERVAL: '0',
      RATE_LIMIT_COMMENTS: '0',
      RATE_LIMIT_WRITES: '0',
    });
    direct = loadConfig(env);
    proxy = FaultProxy.of(testStores().cassandraContactPoints.split(',')[0], 9042);
    const port = await proxy.start();
    app = await createTestApp(
      loadConfig({ ...env, CASSANDRA_CONTACT_POINTS: `127.0.0.1:${port}` }),
    );
    blog = await BlogClient.of(app);
  }, 120_000);

  afterAll(async () => {
    proxy?.heal();
    await app?.close();
    await proxy?.close();
    await dropTestStores(direct);
  }, 120_000);

  const scrape = async () =>
    (
      await request(app.getHttpServer())
        .get('/metrics')
        .set('Authorization', `Bearer ${METRICS_TOKEN}`)
        .expect(200)
    ).text;
  const copies = () => app.get(PostStoreRouter).copiesOf('dual-write') as SecondaryCopies;

  it('exposes every contract name, and the phase served', async () => {
    const text = await scrape();
    for (const name of CONTRACT_METRICS) expect(text).toContain(`# TYPE ${name} `);
    expect(sample(text, 'blog_migration_phase', { phase: 'dual-write' })).toBe(1);
    for (const other of ['mongo', 'cassandra-primary', 'cassandra']) {
      expect(sample(text, 'blog_migration_phase', { phase: other })).toBe(0);
    }
    expect(sample(text, 'blog_hints_pending', { store: 'cassandra' })).toBe(0);
  });

  it('traffic and copies: requests by route, store operations, copies written', async () => {
    await copies().drain(); // the writer's account and token, made before
    const before = await scrape();
    const id = await blog.createdId('Metrics one');
    await blog.comment(id, { commenter: 'Reader', comment: 'A comment.' }).expect(201);
    await blog.get(`/post/${id}`).expect(200);
    await blog.get('/').expect(200);
    await blog.get('/post/000000000000000000000000').expect(404);
    await copies().drain();
    const after = await scrape();

    const grew = (name: string, labels: Record<string, string>) =>
      total(after, name, labels) - total(before, name, labels);
    expect(grew('blog_http_requests_total', { route: '/post/:id', status: '200' })).toBe(1);
    expect(grew('blog_http_requests_total', { route: '/post/:id', status: '404' })).toBe(1);
    expect(grew('blog_http_requests_total', { route: '/create', status: '201' })).toBe(1);
    expect(grew('blog_http_requests_total', { route: '/', method: 'GET' })).toBe(1);
    expect(after).not.toContain(id);
    expect(grew('blog_http_request_duration_seconds_count', { route: '/post/:id' })).toBe(2);
    expect(
      grew('blog_store_operation_duration_seconds_count', {
        store: 'mongo',
        operation: 'createPost',
      }),
    ).toBe(1);
    expect(
      grew('blog_store_operation_duration_seconds_count', { store: 'mongo', operation: 'getPost' }),
    ).toBeGreaterThanOrEqual(1);
    // the post's and the comment's copies, on Cassandra (and the writer's token, whose use is
    // recorded once a minute, if a minute went by)
    const written = grew('blog_secondary_copies_total', { store: 'cassandra', outcome: 'written' });
    expect(written).toBeGreaterThanOrEqual(2);
    expect(
      grew('blog_store_operation_duration_seconds_count', {
        store: 'cassandra',
        operation: 'apply',
      }),
    ).toBe(written);
  });

  it('a copy slower than SECONDARY_WRITE_TIMEOUT_MS is hinted, and the hint is pending', async () => {
    const before = await scrape();
    proxy.setLatency({ toTarget: SLOW_CASSANDRA_MS });
    try {
      await blog.createdId('Metrics slow copy');
      await copies().drain();
    } finally {
      proxy.setLatency({ toTarget: 0 });
    }
    const after = await scrape();
    expect(
      total(after, 'blog_secondary_copies_total', { outcome: 'hinted' }) -
        total(before, 'blog_secondary_copies_total', { outcome: 'hinted' }),
    ).toBeGreaterThanOrEqual(1);
    expect(sample(after, 'blog_hints_pending', { store: 'cassandra' })).toBeGreaterThanOrEqual(1);
    const slowest = sample(after, 'blog_store_operation_duration_seconds_sum', {
      store: 'cassandra',
      operation: 'apply',
    });
    const earlier = sample(before, 'blog_store_operation_duration_seconds_sum', {
      store: 'cassandra',
      operation: 'apply',
    });
    // the copy's own time is measured to its end, past the timeout that hinted it
    expect((slowest ?? 0) - (earlier ?? 0)).toBeGreaterThanOrEqual(SLOW_CASSANDRA_MS / 1000);
  });

  it('a backfill and a verify run from the CLI show in the app; an in-app reconcile repairs', async () => {
    const env = cliEnvOf(direct);
    const before = await scrape();
    const backfill = await cli(env, 'migrate', 'backfill', '--restart');
    expect(backfill.stderr).toBe('');
    expect(backfill.status).toBe(0);
    const afterBackfill = await scrape();
    // three posts, one comment, and the writer's account and token
    expect(sample(afterBackfill, 'blog_backfill_records_total', { kind: 'post' })).toBe(2);
    expect(sample(afterBackfill, 'blog_backfill_records_total', { kind: 'comment' })).toBe(1);
    expect(total(afterBackfill, 'blog_backfill_records_total')).toBeGreaterThan(
      total(before, 'blog_backfill_records_total'),
    );

    // a post only MongoDB has (its copy lost without a hint, as a crash would lose it)
    const createdAt = new Date();
    const lost = {
      id: newId(createdAt),
      title: 'Metrics lost copy',
      content: 'Only in MongoDB.',
      author: 'Editor',
      ownerId: '',
      createdAt,
      updatedAt: createdAt,
      version: nowMicros(),
    };
    await app.get(PostStoreRouter).storeNamed('mongo').createPost(lost);
    const verify = await verifyStores(env, 500);
    expect(verify.report?.differences).toEqual([
      expect.objectContaining({ entity: 'post', id: lost.id, kind: 'missing' }),
    ]);
    const afterVerify = await scrape();
    expect(sample(afterVerify, 'blog_verify_differences', { kind: 'post' })).toBe(1);
    expect(sample(afterVerify, 'blog_verify_differences', { kind: 'comment' })).toBe(0);

    // the scheduled reconcile's work, in the app: copies the hint, repairs the lost post
    const report = await app
      .get(ReconcileService)
      .run('dual-write', { dryRun: false, recheckDelayMs: 500 });
    expect(report).toMatchObject({ found: 1, fixed: 1 });
    const afterReconcile = await scrape();
    expect(
      total(afterReconcile, 'blog_reconcile_repairs_total', { kind: 'post' }) -
        total(afterVerify, 'blog_reconcile_repairs_total', { kind: 'post' }),
    ).toBe(1);
    expect(sample(afterReconcile, 'blog_verify_differences', { kind: 'post' })).toBe(0);
    expect(sample(afterReconcile, 'blog_hints_pending', { store: 'cassandra' })).toBe(0);
  });
});
