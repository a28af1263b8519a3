import { createPost, useControllerApp } from './helpers/controller-app';

/** The operators' routes: stats, author stats, health (its 200 and its 503). */
describe('operators (controller tier: the HTTP app on in-memory stores)', () => {
  const web = useControllerApp('mongo');

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

  it('GET /health: 200 with the phase while its stores answer, 503 naming one that does not', async () => {
    const up = await web.http().get('/health').expect(200);
    expect(up.body).toMatchObject({
      status: 'ok',
      info: { phase: { phase: 'mongo' }, mongo: { status: 'up' } },
    });
    web.healthy.mongo = false;
    const down = await web.http().get('/health').expect(503);
    expect(down.body).toMatchObject({ status: 'error', error: { mongo: { status: 'down' } } });
  });
});
