import { createPost, useControllerApp } from './helpers/controller-app';

const CSP =
  "default-src 'self';base-uri 'self';form-action 'self';frame-ancestors 'none';object-src 'none'";

/** Response headers: helmet with a strict CSP, HSTS over TLS only, caching of pages and CSS. */
describe('headers (controller tier: the HTTP app on in-memory stores)', () => {
  const web = useControllerApp('mongo');
  afterEach(() => {
    web.app.set('trust proxy', false);
  });

  describe('on every answer', () => {
    it.each([
      ['a page', '/', 200],
      ['JSON', '/api/posts', 200],
      ['an error page', '/no-such-page', 404],
      ['the health probe', '/health', 200],
    ])('%s carries the strict CSP and the other protections', async (_what, path, status) => {
      const response = await web.http().get(path).expect(status);
      expect(response.headers['content-security-policy']).toBe(CSP);
      expect(response.headers['x-content-type-options']).toBe('nosniff');
      expect(response.headers['x-frame-options']).toBe('DENY');
      expect(response.headers['referrer-policy']).toBe('same-origin');
      expect(response.headers['cross-origin-opener-policy']).toBe('same-origin');
      expect(response.headers['x-powered-by']).toBeUndefined();
    });

    it('allows no inline script or style, and no other origin', async () => {
      const csp = String(
        (await web.http().get('/').expect(200)).headers['content-security-policy'],
      );
      expect(csp).not.toContain('unsafe-inline');
      expect(csp).not.toContain('unsafe-eval');
      expect(csp).not.toMatch(/https?:|\*/);
    });
  });

  describe('HSTS', () => {
    it('is not sent over plain HTTP', async () => {
      const response = await web.http().get('/').expect(200);
      expect(response.headers['strict-transport-security']).toBeUndefined();
    });

    it('is not sent for X-Forwarded-Proto: https from an untrusted client', async () => {
      const response = await web.http().get('/').set('X-Forwarded-Proto', 'https').expect(200);
      expect(response.headers['strict-transport-security']).toBeUndefined();
    });

    it('is sent when the request came over TLS through a trusted proxy (req.secure)', async () => {
      // what TRUST_PROXY configures: Express then believes the proxy's X-Forwarded-Proto
      web.app.set('trust proxy', 'loopback');
      const response = await web.http().get('/').set('X-Forwarded-Proto', 'https').expect(200);
      expect(response.headers['strict-transport-security']).toBe('max-age=31536000');
      const plain = await web.http().get('/').set('X-Forwarded-Proto', 'http').expect(200);
      expect(plain.headers['strict-transport-security']).toBeUndefined();
    });
  });

  describe('Cache-Control', () => {
    it('leaves anonymous public pages cacheable by their own rules (no no-store)', async () => {
      const id = await createPost(web);
      for (const path of ['/', `/post/${id}`]) {
        const response = await web.http().get(path).expect(200);
        expect([path, response.headers['cache-control']]).toEqual([path, undefined]);
      }
    });

    it.each(['/login', '/account', '/admin/users'])(
      'is no-store on %s, even before signing in',
      async (path) => {
        const response = await web.http().get(path);
        expect(response.status).toBeLessThan(400);
        expect(response.headers['cache-control']).toBe('no-store');
      },
    );

    it('is no-store on every page rendered for a signed-in viewer (the header shows the account)', async () => {
      const id = await createPost(web);
      const editor = await web.signIn('editor', 'admin');
      for (const path of ['/', `/post/${id}`, '/account', '/admin/users', '/no-such-page']) {
        const response = await editor.agent.get(path);
        expect(response.text).toContain('data-signed-in="editor"');
        expect([path, response.headers['cache-control']]).toEqual([path, 'no-store']);
      }
    });

    it('is no-store on JSON answers to requests with a bearer token', async () => {
      const response = await web.http().get('/api/posts').set(web.writer).expect(200);
      expect(response.headers['cache-control']).toBe('no-store');
      const created = await web
        .http()
        .post('/create')
        .set(web.writer)
        .set('Accept', 'application/json')
        .send({ title: 'A title', content: 'Some content.' })
        .expect(201);
      expect(created.headers['cache-control']).toBe('no-store');
    });
  });

  describe('the stylesheet', () => {
    it('is linked from the layout by a versioned URL, with no inline style', async () => {
      const page = await web.http().get('/').expect(200);
      expect(page.text).toMatch(
        /<link rel="stylesheet" href="\/static\/site\.css\?v=[0-9a-f]{12}" \/>/,
      );
      expect(page.text).not.toMatch(/<style|style=/i);
    });

    it('is served as CSS: a year (immutable) for the current version, 5 minutes otherwise', async () => {
      const page = await web.http().get('/').expect(200);
      const href = /href="(\/static\/site\.css\?v=[0-9a-f]+)"/.exec(page.text)?.[1] ?? '';
      const current = await web.http().get(href).expect(200);
      expect(current.headers['content-type']).toMatch(/^text\/css/);
      expect(current.text).toContain('.wrap {');
      expect(current.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(current.headers['content-security-policy']).toBe(CSP);
      const unversioned = await web.http().get('/static/site.css').expect(200);
      expect(unversioned.headers['cache-control']).toBe('public, max-age=300');
      const old = await web.http().get('/static/site.css?v=000000000000').expect(200);
      expect(old.headers['cache-control']).toBe('public, max-age=300');
    });

    it('is the same file for a signed-in viewer (never no-store, it holds no account data)', async () => {
      const editor = await web.signIn('editor', 'admin');
      const css = await editor.agent.get('/static/site.css').expect(200);
      expect(css.headers['cache-control']).toBe('public, max-age=300');
    });

    it('serves nothing else from /static/: unknown files and folders are 404', async () => {
      await web.http().get('/static/nope.css').expect(404);
      await web.http().get('/static/').expect(404);
      await web.http().get('/static/../package.json').expect(404);
    });
  });
});
