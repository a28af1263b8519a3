import { bothStores, postInBoth } from './helpers/both-stores';
import { Browser, JSON_HEADERS, postFields, useWebApp } from './helpers/web-app';

const LIMIT = 5;

/**
 * Issue 15's acceptance "Rate limits: 429 with Retry-After past the limit, and normal service for
 * other clients meanwhile", on the real servers in dual-write (so a refused write is looked for
 * in MongoDB and in Cassandra). The test's clients all connect from 127.0.0.1: with
 * TRUST_PROXY=loopback the app believes the address each names in X-Forwarded-For, as it would
 * behind a proxy on the same host.
 */
describe('rate limits on the real servers (dual-write, TRUST_PROXY=loopback)', () => {
  const web = useWebApp('rate_limits', 'dual-write', {
    RATE_LIMIT_WRITES: String(LIMIT),
    TRUST_PROXY: 'loopback',
  });
  const greedy = '203.0.113.10';
  const polite = '203.0.113.20';
  let editor: Browser;

  beforeAll(async () => {
    // signed in from 127.0.0.1 (one write of that address's minute)
    editor = await web.signIn('editor', 'admin');
  });

  /** A JSON write as the admin `editor` (bearer: no CSRF) from `address`. */
  const write = (address: string, url: string, body: object) =>
    web
      .http()
      .post(url)
      .set(JSON_HEADERS)
      .set(web.writer)
      .set('X-Forwarded-For', address)
      .send(body);

  it('refuses one client past RATE_LIMIT_WRITES with 429 + Retry-After, stores nothing, and serves the others', async () => {
    const ids: Record<string, string[]> = { [greedy]: [], [polite]: [] };
    const create = async (address: string, title: string) => {
      const response = await write(address, '/create', postFields({ title })).expect(201);
      ids[address].push((response.body as { id: string }).id);
    };
    // both clients write, interleaved; the greedy one uses its whole minute
    for (let i = 0; i < LIMIT; i++) {
      await create(greedy, `Greedy ${i}`);
      if (i < 2) await create(polite, `Polite ${i}`);
    }

    const before = await bothStores(web);
    const refused = await write(greedy, '/create', postFields({ title: 'Greedy too many' }));
    expect(refused.status).toBe(429);
    const wait = Number(refused.headers['retry-after']);
    expect(Number.isInteger(wait) && wait >= 1 && wait <= 60).toBe(true);
    expect(refused.body).toEqual({
      statusCode: 429,
      message: expect.stringContaining(`at most ${LIMIT} a minute`),
    });
    // every other write of that client too: a comment, a delete, a form from its browser
    const [first] = ids[greedy];
    for (const [url, body] of [
      [`/post/${first}/comment`, { comment: 'Me again' }],
      [`/delete/${first}`, {}],
      [`/edit/${first}`, postFields({ title: 'Greedy edit' })],
    ] as const) {
      expect((await write(greedy, url, body)).status).toBe(429);
    }
    const form = await editor.agent
      .post('/create')
      .type('form')
      .set('X-Forwarded-For', greedy)
      .send({ ...postFields({ title: 'Greedy form' }), _csrf: editor.csrf });
    expect(form.status).toBe(429);
    expect(Number(form.headers['retry-after'])).toBeGreaterThan(0);
    expect(form.text).toContain('data-status="429"');
    expect(form.text).toContain('Too many changes from your address');
    // nothing of it in either store
    expect(await bothStores(web)).toEqual(before);

    // meanwhile the other client is served as usual, its writes reach both stores
    await create(polite, 'Polite 2');
    const comment = await write(polite, `/post/${first}/comment`, { comment: 'Still here' });
    expect(comment.status).toBe(201);
    for (const id of ids[polite]) {
      const stored = await postInBoth(web, id);
      expect(stored.mongo).not.toBeNull();
      expect(stored.cassandra).not.toBeNull();
    }
    // and the greedy client can still read
    await web.http().get(`/post/${first}`).set('X-Forwarded-For', greedy).expect(200);
    await web.http().get('/api/posts').set('X-Forwarded-For', greedy).expect(200);
  });
});
