import request from 'supertest';
import { storesUsedBy } from '../../src/config/migration-phase';
import { E2E_PHASES } from './helpers/phases';
import { useWebApp } from './helpers/web-app';

describe.each(E2E_PHASES)('web app over HTTP (phase %s, real stores)', (phase) => {
  const web = useWebApp(`web_${phase}`, phase);

  it('renders the front page server-side with layout, partials and the phase', async () => {
    const response = await web.http().get('/').expect(200);
    expect(response.headers['content-type']).toMatch(/^text\/html/);
    const html = response.text;
    expect(html).toMatch(/^<!doctype html>/i);
    expect(html).toContain('<meta name="viewport"');
    expect(html).toContain('<header class="site">');
    expect(html).toContain('There are no posts yet.');
    expect(html).toContain('href="/create"');
    expect(html).toMatch(
      new RegExp(`<footer class="site">[\\s\\S]*data-phase="${phase}"[\\s\\S]*</footer>`),
    );
  });

  it('sends the security headers (a strict CSP) and hides the framework', async () => {
    const response = await web.http().get('/').expect(200);
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['x-frame-options']).toBe('DENY');
    expect(response.headers['x-powered-by']).toBeUndefined();
    expect(response.headers['content-security-policy']).toContain("default-src 'self'");
    const css = /href="(\/static\/site\.css\?v=[0-9a-f]+)"/.exec(response.text)?.[1] ?? '';
    await web
      .http()
      .get(css)
      .expect(200)
      .expect('Content-Type', /^text\/css/);
  });

  it('answers /health with {status} only, and shows admins every store it uses up on /health/details', async () => {
    const open = await web.http().get('/health').expect(200);
    expect(open.body).toEqual({ status: 'ok' });
    const response = await web.http().get('/health/details').set(web.writer).expect(200);
    const used = storesUsedBy(phase);
    expect(response.body).toMatchObject({
      status: 'ok',
      error: {},
      details: {
        phase: { status: 'up', phase },
        ...(used.mongo ? { mongo: { status: 'up' } } : {}),
        ...(used.cassandra ? { cassandra: { status: 'up' } } : {}),
      },
    });
  });

  it('answers unknown pages with a 404 page, and unknown API paths with 404 JSON', async () => {
    const page = await web.http().get('/no-such-page').expect(404);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.text).toContain('data-status="404"');
    expect(page.text).toContain(`data-phase="${phase}"`);
    const api = await request(web.app.getHttpServer()).get('/api/no-such-thing').expect(404);
    expect(api.body).toMatchObject({ statusCode: 404 });
  });
});
