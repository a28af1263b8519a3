import { newId } from '../../src/store/versions';
import { controllerRoutes } from '../support/controller-routes';
import {
  ControllerApp,
  createPost,
  csrfOf,
  JSON_HEADERS,
  PASSWORD,
  postFields,
  useControllerApp,
} from './helpers/controller-app';

const LIMIT = 3;

/** Everything a write could change, as text: equal snapshots mean nothing changed. */
function snapshot(web: ControllerApp): string {
  const { posts, comments, deletedComments } = web.stores.mongo;
  return JSON.stringify({
    posts: [...posts.values()],
    comments: [...comments.values()],
    deleted: [...deletedComments.entries()],
    accounts: [...web.accounts.accounts.values()],
    credentials: [...web.accounts.credentials.keys()],
  });
}

let lastAddress = 0;
/** A client address of its own for each use (sent as X-Forwarded-For, through the trusted loopback). */
function freshAddress(): string {
  lastAddress += 1;
  return `198.51.100.${lastAddress}`;
}

/**
 * The write routes, as the app has them (every non-GET handler of every controller), with their
 * ids filled in: a new route is checked here without anyone adding it.
 */
const WRITE_ROUTES = controllerRoutes()
  .filter((route) => route.method !== 'GET')
  .map((route) => ({
    ...route,
    url: route.path.replace(':id', newId()).replace(':username', 'ada'),
  }));

describe('rate limits (controller tier: the HTTP app on in-memory stores)', () => {
  describe('RATE_LIMIT_WRITES, with TRUST_PROXY=loopback (each test its own client address)', () => {
    const web = useControllerApp('mongo', {
      RATE_LIMIT_WRITES: String(LIMIT),
      RATE_LIMIT_COMMENTS: '2',
      TRUST_PROXY: 'loopback',
    });

    /** A JSON write as the admin `editor` (bearer: no CSRF) from `address`. */
    const write = (address: string, url: string, body: object = {}) =>
      web
        .http()
        .post(url)
        .set(JSON_HEADERS)
        .set(web.writer)
        .set('X-Forwarded-For', address)
        .send(body);

    /** Uses up the address's minute with cheap writes (POST /logout of a bearer client). */
    async function exhaust(address: string): Promise<void> {
      for (let i = 0; i < LIMIT; i++) await write(address, '/logout').expect(200);
    }

    function expectRefused(response: { status: number; headers: Record<string, string> }) {
      expect(response.status).toBe(429);
      const wait = Number(response.headers['retry-after']);
      expect(Number.isInteger(wait) && wait >= 1 && wait <= 60).toBe(true);
    }

    it('finds the write routes to check', () => {
      expect(WRITE_ROUTES.length).toBeGreaterThanOrEqual(14);
    });

    it.each(WRITE_ROUTES.map((route) => [`${route.method} ${route.path}`, route] as const))(
      '%s: 429 + Retry-After once the address used its minute, other addresses served',
      async (_name, route) => {
        const address = freshAddress();
        await exhaust(address);
        const before = snapshot(web);
        const refused = await web
          .http()
          [route.method.toLowerCase() as 'post'](route.url)
          .set(JSON_HEADERS)
          .set(web.writer)
          .set('X-Forwarded-For', address)
          .send({});
        expectRefused(refused);
        expect(refused.body).toEqual({ statusCode: 429, message: expect.any(String) });
        expect(snapshot(web)).toBe(before);
        const other = await web
          .http()
          [route.method.toLowerCase() as 'post'](route.url)
          .set(JSON_HEADERS)
          .set(web.writer)
          .set('X-Forwarded-For', freshAddress())
          .send({});
        expect(other.status).not.toBe(429);
      },
    );

    it('refuses the write past the limit and stores nothing of it; reads go on', async () => {
      const id = await createPost(
        web,
        { title: 'Kept' },
        { ...web.writer, 'X-Forwarded-For': freshAddress() },
      );
      const address = freshAddress();
      for (let i = 0; i < LIMIT; i++) {
        await write(address, '/create', postFields({ title: `Mine ${i}` })).expect(201);
      }
      const before = snapshot(web);
      const refused = await write(address, '/create', postFields({ title: 'One too many' }));
      expectRefused(refused);
      expect(refused.body.message).toContain(`at most ${LIMIT} a minute`);
      await write(address, `/delete/${id}`).then(expectRefused);
      await write(address, `/post/${id}/comment`, { comment: 'Hi' }).then(expectRefused);
      await write(address, '/api/users', {
        username: 'newbie',
        name: 'New',
        role: 'author',
        password: PASSWORD,
      }).then(expectRefused);
      expect(snapshot(web)).toBe(before);
      const titles = [...web.stores.mongo.posts.values()].map((post) => post.title);
      expect(titles).not.toContain('One too many');
      // reading is never limited, from that address either
      await web.http().get(`/post/${id}`).set('X-Forwarded-For', address).expect(200);
      await web.http().get('/api/posts').set('X-Forwarded-For', address).expect(200);
      // another client meanwhile: served as usual
      await write(freshAddress(), '/create', postFields({ title: 'Someone else' })).expect(201);
    });

    it('answers a form with a readable 429 page, and signs nobody in', async () => {
      const address = freshAddress();
      const page = await web.http().get('/login').set('X-Forwarded-For', address).expect(200);
      const cookie = String(page.headers['set-cookie']).split(';')[0];
      const form = () =>
        web
          .http()
          .post('/login')
          .type('form')
          .set('Cookie', cookie)
          .set('X-Forwarded-For', address)
          .send({ username: 'nobody', password: 'wrong password', _csrf: csrfOf(page.text) });
      web.account('ada');
      for (let i = 0; i < LIMIT; i++) await form().expect(401);
      const refused = await form();
      expectRefused(refused);
      expect(refused.headers['content-type']).toMatch(/text\/html/);
      expect(refused.text).toContain('<h1>Too many tries</h1>');
      expect(refused.text).toContain('Too many changes from your address');
      expect(refused.text).toContain('Nothing was saved.');
      // the right password too: sign-in is a write like any other
      const right = await web
        .http()
        .post('/login')
        .type('form')
        .set('Cookie', cookie)
        .set('X-Forwarded-For', address)
        .send({ username: 'ada', password: PASSWORD, _csrf: csrfOf(page.text) });
      expectRefused(right);
      expect(String(right.headers['set-cookie'] ?? '')).not.toContain('sid=');
    });

    it('does not count a write refused for access or CSRF', async () => {
      const address = freshAddress();
      for (let i = 0; i < LIMIT * 3; i++) {
        await web
          .http()
          .post('/create')
          .set(JSON_HEADERS)
          .set('X-Forwarded-For', address)
          .send(postFields())
          .expect(401);
      }
      for (let i = 0; i < LIMIT; i++) await write(address, '/logout').expect(200);
      expectRefused(await write(address, '/logout'));
    });

    it('limits comments with RATE_LIMIT_COMMENTS, below the write limit', async () => {
      const id = await createPost(web, {}, { ...web.writer, 'X-Forwarded-For': freshAddress() });
      const address = freshAddress();
      await write(address, `/post/${id}/comment`, { comment: 'one' }).expect(201);
      await write(address, `/post/${id}/comment`, { comment: 'two' }).expect(201);
      const refused = await write(address, `/post/${id}/comment`, { comment: 'three' });
      expectRefused(refused);
      expect(refused.body.message).toMatch(/^Too many comments/);
      expect([...web.stores.mongo.comments.values()].map((c) => c.comment)).toEqual(['one', 'two']);
    });

    it('believes X-Forwarded-For and -Proto from the trusted proxy: the session cookie is Secure', async () => {
      web.account('ada');
      const response = await web
        .http()
        .post('/login')
        .set(JSON_HEADERS)
        .set(web.writer)
        .set('X-Forwarded-For', freshAddress())
        .set('X-Forwarded-Proto', 'https')
        .send({ username: 'ada', password: PASSWORD })
        .expect(200);
      expect(String(response.headers['set-cookie'])).toMatch(/sid=[^;]+;.*Secure/);
    });
  });

  describe('with TRUST_PROXY off (the default)', () => {
    const web = useControllerApp('mongo', { RATE_LIMIT_WRITES: '2' });

    it('ignores X-Forwarded-For: the connection is the client, whatever the header says', async () => {
      const send = (claimed: string) =>
        web
          .http()
          .post('/logout')
          .set(JSON_HEADERS)
          .set(web.writer)
          .set('X-Forwarded-For', claimed);
      await send('203.0.113.1').expect(200);
      await send('203.0.113.2').expect(200);
      const refused = await send('203.0.113.3');
      expect(refused.status).toBe(429);
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    });

    it('ignores X-Forwarded-Proto: no Secure cookie over plain HTTP', async () => {
      // the visitor cookie has the session cookie's options (Secure when req.secure), and a GET
      // is not limited: this address used its two writes above
      const page = await web.http().get('/login').set('X-Forwarded-Proto', 'https').expect(200);
      expect(String(page.headers['set-cookie'])).toContain('visitor=');
      expect(String(page.headers['set-cookie'])).not.toContain('Secure');
    });
  });
});
