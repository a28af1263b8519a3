import request from 'supertest';
import { OpsServer } from '../../src/ops/ops-server';
import { CONTRACT_METRICS as CONTRACT, sample } from '../support/metrics-text';
import { createPost, useControllerApp } from './helpers/controller-app';

const METRICS_TOKEN = 'metrics-token-of-the-controller-tier-0123456789';

/** GET /metrics: who may read it, and what it says about requests (controller tier). */
describe('GET /metrics (controller tier: the HTTP app on in-memory stores)', () => {
  const web = useControllerApp('dual-write', { METRICS_TOKEN, OPS_PORT: '0' });
  const scrape = () =>
    web.http().get('/metrics').set('Authorization', `Bearer ${METRICS_TOKEN}`).expect(200);

  it('anonymous: 401 (no redirect to sign in: a scraper reads it); an author: 403', async () => {
    // what Prometheus sends
    const accept = 'application/openmetrics-text;version=1.0.0;q=0.75,text/plain;q=0.5,*/*;q=0.1';
    const anonymous = await web.http().get('/metrics').set('Accept', accept).expect(401);
    expect(anonymous.text).not.toContain('blog_');
    const author = await web
      .http()
      .get('/metrics')
      .set(await web.tokenOf('ann', 'author'))
      .expect(403);
    expect(author.text).not.toContain('blog_');
  });

  it('an admin (session or API token): 200, the text format with every contract name', async () => {
    const browser = await web.signIn('root', 'admin');
    const page = await browser.agent.get('/metrics').expect(200);
    expect(page.headers['content-type']).toMatch(/^text\/plain;.*version=0\.0\.4/);
    expect(page.headers['cache-control']).toBe('no-store');
    for (const name of CONTRACT) expect(page.text).toContain(`# TYPE ${name} `);
    await web.http().get('/metrics').set(web.writer).expect(200);
  });

  it('Authorization: Bearer <METRICS_TOKEN>: 200, and no cookie is set', async () => {
    const response = await scrape();
    expect(response.text).toContain('# TYPE blog_http_requests_total counter');
    expect(response.headers['set-cookie']).toBeUndefined();
  });

  it('a wrong token is 401 (as any unknown bearer token), and METRICS_TOKEN opens /metrics only', async () => {
    for (const wrong of [`${METRICS_TOKEN}x`, METRICS_TOKEN.slice(1), 'short']) {
      await web.http().get('/metrics').set('Authorization', `Bearer ${wrong}`).expect(401);
    }
    await web.http().get('/metrics').set('Authorization', `Basic ${METRICS_TOKEN}`).expect(401);
    for (const path of ['/api/stats/details', '/health/details', '/account']) {
      await web.http().get(path).set('Authorization', `Bearer ${METRICS_TOKEN}`).expect(401);
    }
    // a read only: a write to /metrics is no route, with or without the token
    await web
      .http()
      .post('/metrics')
      .set('Authorization', `Bearer ${METRICS_TOKEN}`)
      .expect((res) => expect([403, 404]).toContain(res.status));
  });

  it('on OPS_PORT: 200 without a session', async () => {
    const ops = web.app.get(OpsServer).address();
    const response = await request(`http://127.0.0.1:${ops?.port}`).get('/metrics').expect(200);
    expect(response.text).toContain('# TYPE blog_migration_phase gauge');
  });

  it('counts requests by route template (never the URL), unmatched ones under one label', async () => {
    const id = await createPost(web);
    const before = (await scrape()).text;
    const labels = { method: 'GET', route: '/post/:id', status: '200' };
    await web.http().get(`/post/${id}`).expect(200);
    await web.http().get(`/post/${id}`).expect(200);
    await web.http().get('/no/such/page/123').expect(404);
    const after = (await scrape()).text;
    expect(after).not.toContain(id);
    expect(after).not.toContain('/no/such/page');
    expect(sample(after, 'blog_http_requests_total', labels)).toBe(
      (sample(before, 'blog_http_requests_total', labels) ?? 0) + 2,
    );
    const unmatched = { method: 'GET', route: 'unmatched', status: '404' };
    expect(sample(after, 'blog_http_requests_total', unmatched)).toBe(
      (sample(before, 'blog_http_requests_total', unmatched) ?? 0) + 1,
    );
    const timed = { method: 'GET', route: '/post/:id' };
    expect(sample(after, 'blog_http_request_duration_seconds_count', timed)).toBe(
      (sample(before, 'blog_http_request_duration_seconds_count', timed) ?? 0) + 2,
    );
    // refusals are counted too: by the guard under their route, before routing (a bad bearer
    // token, refused by the auth middleware) as unmatched
    expect(sample(after, 'blog_http_requests_total', { route: '/metrics', status: '401' })).toBe(1);
    expect(
      sample(after, 'blog_http_requests_total', { route: 'unmatched', status: '401' }),
    ).toBeGreaterThanOrEqual(4);
  });

  it('shows the phase served, the copies to the secondary and the store operations', async () => {
    const before = (await scrape()).text;
    await createPost(web);
    const after = (await scrape()).text;
    expect(sample(after, 'blog_migration_phase', { phase: 'dual-write' })).toBe(1);
    expect(sample(after, 'blog_migration_phase', { phase: 'mongo' })).toBe(0);
    // the controller tier has no Cassandra: its copies end failed, but each is counted once
    const copies = (text: string) =>
      ['written', 'hinted', 'failed']
        .map((outcome) =>
          sample(text, 'blog_secondary_copies_total', { store: 'cassandra', outcome }),
        )
        .reduce<number>((sum, value) => sum + (value ?? 0), 0);
    expect(copies(after)).toBe(copies(before) + 1);
    const created = { store: 'mongo', operation: 'createPost' };
    expect(sample(after, 'blog_store_operation_duration_seconds_count', created)).toBeGreaterThan(
      sample(before, 'blog_store_operation_duration_seconds_count', created) ?? 0,
    );
    // the controller tier's hint log says 0 pending: cassandra misses nothing
    expect(sample(after, 'blog_hints_pending', { store: 'cassandra' })).toBe(0);
  });
});
