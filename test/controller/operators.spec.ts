import { setTimeout as sleep } from 'node:timers/promises';
import { createPost, useControllerApp } from './helpers/controller-app';

/** The operators' routes: stats, author stats, health and its details (who may see what). */
describe('operators (controller tier: the HTTP app on in-memory stores)', () => {
  // every /api/stats recounts in the background, so a store that went down shows at once
  const web = useControllerApp('mongo', { STATS_MAX_AGE_MS: '0' });

  it('GET /api/stats: the phase, the source of truth and each store it uses (200)', async () => {
    const response = await web.http().get('/api/stats').expect(200);
    expect(response.body).toMatchObject({
      phase: 'mongo',
      source_of_truth: 'mongo',
      in_sync: null,
      pending_hints: null,
      last_reconcile: null,
    });
    expect(Object.keys(response.body.stores)).toEqual(['mongo']);
    expect(Object.keys(response.body.stores.mongo).sort()).toEqual(['as_of', 'comments', 'posts']);
  });

  it('GET /api/stats: a failed count says only "count failed"; /api/stats/details (admins) gives the reason', async () => {
    web.stores.mongo.unavailable = true;
    try {
      const admin = await web.tokenOf('ops', 'admin');
      // the failed count is reported from the background refresh the first request starts
      let details: { stores: { mongo: { error?: string } } } | undefined;
      for (let i = 0; i < 50 && !details?.stores.mongo.error; i++) {
        if (i > 0) await sleep(20);
        details = (await web.http().get('/api/stats/details').set(admin).expect(200)).body;
      }
      expect(details?.stores.mongo.error).toBe('mongo is down (test)');
      const open = await web.http().get('/api/stats').expect(200);
      expect(open.body.stores.mongo.error).toBe('count failed');
      expect(JSON.stringify(open.body)).not.toContain('down (test)');
    } finally {
      web.stores.mongo.unavailable = false;
    }
  });

  it('GET /api/stats/details: 401 anonymous, 403 for an author, no-store for an admin', async () => {
    const anonymous = await web.http().get('/api/stats/details').expect(401);
    expect(anonymous.body).toMatchObject({ statusCode: 401 });
    await web
      .http()
      .get('/api/stats/details')
      .set(await web.tokenOf('ann', 'author'))
      .expect(403);
    const admin = await web.http().get('/api/stats/details').set(web.writer).expect(200);
    expect(admin.body).toMatchObject({ phase: 'mongo', source_of_truth: 'mongo' });
    expect(admin.headers['cache-control']).toBe('no-store');
  });

  it('GET /api/author-stats: posts per author, most first, with the time counted (200)', async () => {
    // a post's author is its account's display name
    for (const author of ['bo', 'ada', 'bo']) await createPost(web, {}, await web.tokenOf(author));
    const response = await web.http().get('/api/author-stats').expect(200);
    expect(response.body).toEqual({
      as_of: expect.any(String),
      authors: [
        { author: 'bo (name)', posts: 2 },
        { author: 'ada (name)', posts: 1 },
      ],
      top: 100,
      truncated: false,
    });
  });

  describe('GET /health (public)', () => {
    it('answers {status: "ok"} and nothing else while the stores answer (200)', async () => {
      const up = await web.http().get('/health').expect(200);
      expect(up.body).toEqual({ status: 'ok' });
      expect(up.headers['cache-control']).toContain('no-store');
    });

    it('answers {status: "error"} and nothing else when a store is down (503)', async () => {
      web.healthy.mongo = false;
      const down = await web.http().get('/health').expect(503);
      expect(down.body).toEqual({ status: 'error' });
      expect(down.headers['retry-after']).toBe('5');
    });

    it('shows an admin no more than anyone else', async () => {
      const up = await web.http().get('/health').set(web.writer).expect(200);
      expect(up.body).toEqual({ status: 'ok' });
    });
  });

  describe('GET /health/details (operators)', () => {
    it('is 401 JSON for an anonymous request, 403 for a signed-in author', async () => {
      const anonymous = await web.http().get('/health/details').expect(401);
      expect(anonymous.headers['content-type']).toMatch(/^application\/json/);
      expect(anonymous.body).toMatchObject({ statusCode: 401 });
      expect(JSON.stringify(anonymous.body)).not.toContain('mongo');

      const author = await web.signIn('ann', 'author');
      const refused = await author.agent.get('/health/details').expect(403);
      expect(refused.body).toMatchObject({ statusCode: 403 });
      await web
        .http()
        .get('/health/details')
        .set(await web.tokenOf('ann', 'author'))
        .expect(403);
    });

    it('gives an admin (token or session) every check: 200 with the phase, 503 naming a store that is down', async () => {
      const up = await web.http().get('/health/details').set(web.writer).expect(200);
      expect(up.body).toMatchObject({
        status: 'ok',
        info: {
          phase: { status: 'up', phase: 'mongo', set_by: 'MIGRATION_PHASE' },
          mongo: { status: 'up' },
        },
      });
      expect(up.headers['cache-control']).toContain('no-store');

      const admin = await web.signIn('root', 'admin');
      web.healthy.mongo = false;
      const down = await admin.agent.get('/health/details').expect(503);
      expect(down.body).toMatchObject({
        status: 'error',
        error: { mongo: { status: 'down', message: 'down (test)' } },
      });
    });
  });
});
