import { JSON_HEADERS, createPost, useControllerApp } from './helpers/controller-app';

const FULL = 'This post has reached its limit of 3 comments; no more comments can be added.';

/** What a post, its comments and the author statistics may cost (COMMENTS_PER_POST=3 here). */
describe('comment limit and delete page (controller tier)', () => {
  const web = useControllerApp('mongo', { COMMENTS_PER_POST: '3', RATE_LIMIT_COMMENTS: '0' });
  let visitor: Awaited<ReturnType<typeof web.visitor>>;
  beforeEach(async () => {
    visitor = await web.visitor();
  });
  const comment = (id: string, text: string) =>
    visitor.agent
      .post(`/post/${id}/comment`)
      .type('form')
      .send({ _csrf: visitor.csrf, commenter: 'Bo', comment: text });

  it('offers the form until the post is full, then says so in its place', async () => {
    const id = await createPost(web);
    for (const text of ['one', 'two']) await comment(id, text).expect(303);
    const open = await web.http().get(`/post/${id}`).expect(200);
    expect(open.text).toContain(`action="/post/${id}/comment#comment-form"`);
    expect(open.text).not.toContain('data-comments-closed');

    await comment(id, 'three').expect(303);
    const full = await web.http().get(`/post/${id}`).expect(200);
    expect(full.text).toContain(FULL);
    expect(full.text).toContain('data-comments-closed');
    expect(full.text).not.toContain(`action="/post/${id}/comment`);
  });

  it('refuses the comment past the limit: 409 with the post page for a form, {message} for JSON', async () => {
    const id = await createPost(web);
    for (const text of ['one', 'two', 'three']) await comment(id, text).expect(303);
    const page = await comment(id, 'four').expect(409);
    expect(page.text).toContain(FULL);
    expect(page.text).toContain('three');
    expect(page.text).not.toContain(`action="/post/${id}/comment`);

    const json = await web
      .http()
      .post(`/post/${id}/comment`)
      .set(JSON_HEADERS)
      .set(web.writer)
      .send({ comment: 'five' })
      .expect(409);
    expect(json.body).toEqual({ statusCode: 409, message: FULL });
    expect(web.stores.mongo.comments.size).toBe(3);
  });

  it('counts no further than the limit to decide, on any post', async () => {
    const id = await createPost(web);
    const counted = jest.spyOn(web.stores.mongo, 'countComments');
    try {
      for (const text of ['one', 'two', 'three', 'four']) await comment(id, text);
      expect(counted.mock.calls.length).toBeGreaterThanOrEqual(4);
      expect(counted.mock.calls.every(([, upTo]) => upTo <= 3)).toBe(true);
    } finally {
      counted.mockRestore();
    }
  });

  it('says how many comments go with a deleted post, counting at most one past the limit', async () => {
    const editor = await web.signIn('editor', 'admin');
    const id = await createPost(web);
    for (const text of ['one', 'two']) await comment(id, text).expect(303);
    expect((await editor.agent.get(`/delete/${id}`).expect(200)).text).toContain(
      'This also deletes its 2 comments.',
    );
    // past the limit, as adds racing at it can leave a post
    const store = web.stores.mongo;
    const [first] = store.comments.values();
    for (const n of [1, 2, 3]) await store.addComment({ ...first, id: `${'e'.repeat(23)}${n}` });
    const counted = jest.spyOn(store, 'countComments');
    try {
      const page = await editor.agent.get(`/delete/${id}`).expect(200);
      expect(page.text).toContain('This also deletes more than 3 comments.');
      expect(counted.mock.calls).toEqual([[id, 4]]);
    } finally {
      counted.mockRestore();
    }
  });
});

describe('/api/author-stats (controller tier, AUTHOR_STATS_TOP=2)', () => {
  const web = useControllerApp('mongo', { AUTHOR_STATS_TOP: '2' });

  it('answers many requests from one count: the top authors, the time, and that more exist', async () => {
    for (const author of ['bo', 'bo', 'bo', 'ada', 'ada', 'cy', 'cy', 'dee']) {
      await createPost(web, {}, await web.tokenOf(author));
    }
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => web.http().get('/api/author-stats').expect(200)),
    );
    expect(web.stores.mongo.authorStatsCalls).toBe(1);
    const first = answers[0].body as { as_of: string };
    expect(answers.every((a) => JSON.stringify(a.body) === JSON.stringify(first))).toBe(true);
    expect(first).toEqual({
      as_of: expect.any(String),
      // cy ties with ada and loses by name
      authors: [
        { author: 'bo (name)', posts: 3 },
        { author: 'ada (name)', posts: 2 },
      ],
      top: 2,
      truncated: true,
    });
    expect(Math.abs(Date.parse(first.as_of) - Date.now())).toBeLessThan(60_000);

    // still fresh (STATS_MAX_AGE_MS): the same result, no new count
    await createPost(web, {}, await web.tokenOf('cy'));
    const again = await web.http().get('/api/author-stats').expect(200);
    expect(again.body).toEqual(first);
    expect(web.stores.mongo.authorStatsCalls).toBe(1);
  });
});
