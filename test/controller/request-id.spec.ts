import { JSON_HEADERS, postFields, useControllerApp } from './helpers/controller-app';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('X-Request-Id (controller tier: the HTTP app on in-memory stores)', () => {
  const web = useControllerApp('mongo', {
    RATE_LIMIT_WRITES: '1',
    HTTP_BODY_LIMIT: '2kb',
    TRUST_PROXY: 'loopback',
  });

  it('answers the caller its own sane id', async () => {
    const response = await web.http().get('/').set('X-Request-Id', 'proxy-7f3a.2:b').expect(200);
    expect(response.headers['x-request-id']).toBe('proxy-7f3a.2:b');
  });

  it('gives a request without one a new UUID, a different one each time', async () => {
    const first = await web.http().get('/').expect(200);
    const second = await web.http().get('/').expect(200);
    expect(first.headers['x-request-id']).toMatch(UUID);
    expect(second.headers['x-request-id']).toMatch(UUID);
    expect(second.headers['x-request-id']).not.toBe(first.headers['x-request-id']);
  });

  it.each([
    ['markup', '<script>alert(1)</script>'],
    ['spaces and quotes', 'a b"c'],
    ['a log-line forgery', 'x\\n{"level":"error"}'],
    ['too long', 'a'.repeat(129)],
    ['starting with a dash', '-rf'],
  ])('replaces a hostile one (%s) with a new UUID and never echoes it', async (_name, hostile) => {
    const response = await web.http().get('/').set('X-Request-Id', hostile).expect(200);
    expect(response.headers['x-request-id']).toMatch(UUID);
    expect(response.text).not.toContain(hostile);
  });

  it('keeps the longest sane id whole (128 characters)', async () => {
    const longest = 'a'.repeat(128);
    const response = await web.http().get('/').set('X-Request-Id', longest).expect(200);
    expect(response.headers['x-request-id']).toBe(longest);
  });

  it('is on every answer: a 404, a refused body (413), a rate limit (429), an API error', async () => {
    const missing = await web.http().get('/no/such/page').set('X-Request-Id', 'r-404').expect(404);
    expect(missing.headers['x-request-id']).toBe('r-404');

    const tooLarge = await web
      .http()
      .post('/create')
      .set(JSON_HEADERS)
      .set(web.writer)
      .set('X-Request-Id', 'r-413')
      .send({ title: 't', body: 'x'.repeat(4096) })
      .expect(413);
    expect(tooLarge.headers['x-request-id']).toBe('r-413');

    const address = '198.51.100.77';
    const write = (id: string) =>
      web
        .http()
        .post('/logout')
        .set(JSON_HEADERS)
        .set(web.writer)
        .set('X-Forwarded-For', address)
        .set('X-Request-Id', id)
        .send({});
    await write('r-first').expect(200);
    const limited = await write('r-429').expect(429);
    expect(limited.headers['x-request-id']).toBe('r-429');

    const invalid = await web
      .http()
      .post('/create')
      .set(JSON_HEADERS)
      .set(web.writer)
      .set('X-Forwarded-For', '198.51.100.78')
      .set('X-Request-Id', 'r-400')
      .send({ ...postFields(), title: '' })
      .expect(400);
    expect(invalid.headers['x-request-id']).toBe('r-400');
    // a client's mistake is not ours to trace: no request id in a 4xx body
    expect(invalid.body.requestId).toBeUndefined();
  });

  it('names the request on a 503, in the JSON and on the page, as in the header', async () => {
    web.stores.mongo.unavailable = true;
    const json = await web.http().get('/api/posts').set('X-Request-Id', 'r-503-json').expect(503);
    expect(json.headers['x-request-id']).toBe('r-503-json');
    expect(json.body.requestId).toBe('r-503-json');

    const page = await web.http().get('/').expect(503);
    const id = page.headers['x-request-id'];
    expect(id).toMatch(UUID);
    expect(page.text).toContain(`Request id: <code>${id}</code>`);
  });
});
