import { NestExpressApplication } from '@nestjs/platform-express';
import { AppConfig, loadConfig } from '../../src/config/app-config';
import { MIGRATION_PHASES, storeNamesUsedBy } from '../../src/config/migration-phase';
import { sleep } from '../support/http-poll';
import { testEnv } from '../support/test-env';
import { createTestApp } from './helpers/app';
import { BlogClient } from './helpers/blog-client';
import { dropTestStores } from './helpers/stores';

describe.each(MIGRATION_PHASES)('/api/stats and /api/author-stats (%s)', (phase) => {
  let config: AppConfig;
  let app: NestExpressApplication;
  let blog: BlogClient;
  /** authors by display name: a post's author is its writer's account name */
  const as: Record<string, BlogClient> = {};
  const dual = phase === 'dual-write' || phase === 'cassandra-primary';

  beforeAll(async () => {
    // STATS_MAX_AGE_MS=0: every request starts a recount, so the counts catch up quickly
    config = loadConfig(
      testEnv(`stats_${phase}`, { MIGRATION_PHASE: phase, STATS_MAX_AGE_MS: '0' }),
    );
    app = await createTestApp(config);
    blog = await BlogClient.of(app);
    for (const name of ['Ada', 'Bo', 'Cy']) {
      const username = `${name.toLowerCase()}-author`;
      as[name] = await BlogClient.of(app, { username, name, password: `${username} password` });
    }
  });
  afterAll(async () => {
    await app?.close();
    await dropTestStores(config);
  });

  /** Polls until every store reports these totals (the counts run in the background). */
  async function statsWhen(posts: number, comments: number) {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const body = (await blog.get('/api/stats').expect(200)).body as {
        stores: Record<string, { posts: number; comments: number }>;
      };
      const counts = Object.values(body.stores);
      if (counts.every((c) => c.posts === posts && c.comments === comments)) return body;
      if (Date.now() > deadline)
        throw new Error(`stats never reached ${posts}/${comments}: ${JSON.stringify(body)}`);
      await sleep(100);
    }
  }

  it('reports the phase, per-store totals with their time, sync and pending hints', async () => {
    const empty = await statsWhen(0, 0);
    const ids = [
      await as.Bo.createdId('One'),
      await as.Ada.createdId('Two'),
      await as.Bo.createdId('Three'),
    ];
    await blog.comment(ids[0], { commenter: 'Cy', comment: 'first' }).expect(201);
    await blog.comment(ids[0], { commenter: 'Cy', comment: 'second' }).expect(201);
    await blog.delete(ids[2]).expect(200);
    const before = Date.now();
    const stats = await statsWhen(2, 2);
    expect(Object.keys(stats.stores).sort()).toEqual([...storeNamesUsedBy(phase)].sort());
    expect(stats).toMatchObject({
      phase,
      source_of_truth: phase === 'mongo' || phase === 'dual-write' ? 'mongo' : 'cassandra',
      in_sync: dual ? true : null,
      pending_hints: dual ? 0 : null,
    });
    const asOf = Date.parse((stats as unknown as { as_of: string }).as_of);
    expect(asOf).toBeGreaterThan(before - 20_000);
    expect(asOf).toBeLessThanOrEqual(Date.now());
    expect(Object.keys(empty.stores)).toEqual(Object.keys(stats.stores));
  });

  it('counts posts per author, most posts first, then by name, in the background', async () => {
    await as.Ada.createdId('Four');
    await as.Cy.createdId('Five');
    const expected = [
      { author: 'Ada', posts: 2 },
      { author: 'Bo', posts: 1 },
      { author: 'Cy', posts: 1 },
    ];
    // served from the last count, counted again behind the request (STATS_MAX_AGE_MS=0)
    const deadline = Date.now() + 20_000;
    let body: { as_of: string; authors: unknown[]; top: number; truncated: boolean };
    for (;;) {
      body = (await blog.get('/api/author-stats').expect(200)).body as typeof body;
      if (JSON.stringify(body.authors) === JSON.stringify(expected)) break;
      if (Date.now() > deadline)
        throw new Error(`author stats never caught up: ${JSON.stringify(body)}`);
      await sleep(100);
    }
    expect(body).toEqual({
      as_of: expect.any(String),
      authors: expected,
      top: 100,
      truncated: false,
    });
    expect(Date.parse(body.as_of)).toBeLessThanOrEqual(Date.now());
  });
});
