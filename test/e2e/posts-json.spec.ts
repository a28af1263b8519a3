import { E2E_PHASES } from './helpers/phases';
import { JSON_HEADERS, addComment, createPost, postFields, useWebApp } from './helpers/web-app';

const UNKNOWN_ID = '0123456789abcdef01234567';

describe.each(E2E_PHASES)('JSON API and JSON form variants (phase %s)', (phase) => {
  const web = useWebApp(`json_${phase}`, phase);

  it('creates with 201 { id } and reads it back with its comments', async () => {
    // the author is the display name of the account that writes it
    const account = await web.account('ada', 'author', 'Ada');
    const ada = await web.tokenOf('ada');
    const created = await web
      .http()
      .post('/create')
      .set(JSON_HEADERS)
      .set(ada)
      .send({ title: ' Json ', content: 'Body' })
      .expect(201);
    expect(created.body).toEqual({ id: expect.stringMatching(/^[0-9a-f]{24}$/) });
    const id = created.body.id as string;
    const first = await addComment(web, id, { commenter: 'Bo', comment: 'one' });
    const second = await addComment(web, id, { commenter: 'Cy', comment: 'two' });

    const post = await web.http().get(`/api/posts/${id}`).expect(200);
    expect(post.body).toEqual({
      id,
      title: 'Json',
      author: 'Ada',
      ownerId: account.id,
      content: 'Body',
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
      version: expect.any(Number),
      comments: [
        expect.objectContaining({ id: first, postId: id, commenter: 'Bo', comment: 'one' }),
        expect.objectContaining({ id: second, commenter: 'Cy', comment: 'two' }),
      ],
      nextComments: null,
    });
    expect(post.body.createdAt).toBe(post.body.updatedAt);
  });

  it('answers validation errors with 400 { message, errors: { field: message } }', async () => {
    const response = await web
      .http()
      .post('/create')
      .set(JSON_HEADERS)
      .set(web.writer)
      .send({ title: { $ne: null }, author: 42, content: '', role: 'admin' })
      .expect(400);
    expect(response.body).toEqual({
      statusCode: 400,
      message: expect.any(String),
      errors: {
        title: 'Title must be text.',
        author: 'Author comes from your account; leave it out.',
        content: 'Content must be 1 to 50 000 characters.',
        role: 'role is not a field of this form.',
      },
    });
    const reader = await web.visitor();
    const comment = await reader.agent
      .post(`/post/${await createPost(web)}/comment`)
      .set(JSON_HEADERS)
      .set('X-CSRF-Token', reader.csrf)
      .send({ commenter: 'Bo', comment: 'x'.repeat(5001) })
      .expect(400);
    expect(comment.body.errors).toEqual({ comment: 'Comment must be 1 to 5 000 characters.' });
  });

  it('accepts the longest content, also as a URL-encoded form of 4-byte characters', async () => {
    const content = '🚀'.repeat(50_000);
    const json = await web
      .http()
      .post('/create')
      .set(JSON_HEADERS)
      .set(web.writer)
      .send(postFields({ content }));
    expect(json.status).toBe(201);
    const editor = await web.signIn('editor', 'admin');
    const form = await editor.agent
      .post('/create')
      .type('form')
      .send({ ...postFields({ content }), _csrf: editor.csrf })
      .expect(303);
    const id = (form.headers.location as string).split('/').pop();
    expect((await web.http().get(`/api/posts/${id}`)).body.content).toBe(content);
  });

  describe('edit', () => {
    it('answers 200 { id, version } with or without the version it started from', async () => {
      const id = await createPost(web);
      const { version } = (await web.http().get(`/api/posts/${id}`)).body;
      const withVersion = await web
        .http()
        .post(`/edit/${id}`)
        .set(JSON_HEADERS)
        .set(web.writer)
        .send(postFields({ title: 'Second', version }))
        .expect(200);
      expect(withVersion.body).toEqual({ id, version: expect.any(Number) });
      expect(withVersion.body.version).toBeGreaterThan(version);

      // no version: the last writer wins
      const blind = await web
        .http()
        .post(`/edit/${id}`)
        .set(JSON_HEADERS)
        .set(web.writer)
        .send(postFields({ title: 'Third' }))
        .expect(200);
      expect(blind.body.version).toBeGreaterThan(withVersion.body.version);
      expect((await web.http().get(`/api/posts/${id}`)).body).toMatchObject({
        title: 'Third',
        version: blind.body.version,
      });
    });

    it('answers a stale version with 409 JSON naming the current version', async () => {
      const id = await createPost(web, { title: 'Mine?' });
      const { version } = (await web.http().get(`/api/posts/${id}`)).body;
      await web
        .http()
        .post(`/edit/${id}`)
        .set(JSON_HEADERS)
        .set(web.writer)
        .send(postFields({ title: 'Theirs' }));
      const current = (await web.http().get(`/api/posts/${id}`)).body;
      const conflict = await web
        .http()
        .post(`/edit/${id}`)
        .set(JSON_HEADERS)
        .set(web.writer)
        .send(postFields({ title: 'Mine', version: String(version) }))
        .expect(409);
      expect(conflict.body).toMatchObject({
        statusCode: 409,
        id,
        version: current.version,
        title: 'Theirs',
      });
      expect((await web.http().get(`/api/posts/${id}`)).body.title).toBe('Theirs');
    });

    it('lets parallel blind edits all succeed, each with its own version', async () => {
      const id = await createPost(web);
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          web
            .http()
            .post(`/edit/${id}`)
            .set(JSON_HEADERS)
            .set(web.writer)
            .send(postFields({ title: `Edit ${i}` })),
        ),
      );
      expect(results.map((r) => r.status)).toEqual(Array(8).fill(200));
      const versions = results.map((r) => r.body.version as number);
      expect(new Set(versions).size).toBe(8);
      const final = (await web.http().get(`/api/posts/${id}`)).body;
      expect(final.version).toBe(Math.max(...versions));
    });
  });

  it('deletes with 200 { id, deleted: true }; the post and its comments are gone', async () => {
    const id = await createPost(web);
    await addComment(web, id);
    const response = await web
      .http()
      .post(`/delete/${id}`)
      .set(JSON_HEADERS)
      .set(web.writer)
      .expect(200);
    expect(response.body).toEqual({ id, deleted: true });
    await web.http().get(`/api/posts/${id}`).expect(404);
    await web.http().post(`/delete/${id}`).set(JSON_HEADERS).set(web.writer).expect(404);
  });

  it.each([
    ['GET', `/api/posts/${UNKNOWN_ID}`],
    ['GET', '/api/posts/not-an-id'],
    ['POST', `/edit/${UNKNOWN_ID}`],
    ['POST', `/delete/not-an-id`],
    ['POST', `/post/${UNKNOWN_ID}/comment`],
  ])('answers %s %s with 404 JSON', async (method, path) => {
    // signed in as the writer (an anonymous write is a 401 before the post is looked up); the
    // 404 wins over a body that would be refused (author, commenter)
    const send = method === 'GET' ? web.http().get(path) : web.http().post(path);
    const response = await send
      .set(JSON_HEADERS)
      .set(web.writer)
      .send({ title: 'T', author: 'A', content: 'C', commenter: 'B', comment: 'C' })
      .expect(404);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(response.body).toEqual({
      statusCode: 404,
      message: 'There is no post at this address.',
    });
  });

  describe('GET /api/posts', () => {
    it('lists with the default limit 20 and honours limit', async () => {
      for (let i = 0; i < 3; i++) await createPost(web, { title: `Listed ${i}` });
      const response = await web.http().get('/api/posts?sort=oldest&limit=2').expect(200);
      expect(response.body).toMatchObject({ sort: 'oldest', limit: 2, prev: null });
      expect(response.body.items).toHaveLength(2);
      expect(response.body.items[0]).toEqual({
        id: expect.any(String),
        title: expect.any(String),
        author: expect.any(String),
        excerpt: expect.any(String),
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
        version: expect.any(Number),
      });
      expect(response.body.next).toEqual(expect.any(String));
      expect((await web.http().get('/api/posts')).body.limit).toBe(20);
    });

    it.each([
      ['limit=0', 'limit'],
      ['limit=101', 'limit'],
      ['limit=abc', 'limit'],
      ['limit=1&limit=2', 'limit'],
      ['sort=popular', 'sort'],
      ['cursor=not-a-cursor!', 'cursor'],
      ['cursor=eyJ4IjoxfQ', 'cursor'],
    ])('answers ?%s with 400 JSON naming %s', async (query, parameter) => {
      const response = await web.http().get(`/api/posts?${query}`).expect(400);
      expect(Object.keys(response.body.errors)).toEqual([parameter]);
      expect(response.body.message).toMatch(/\w/);
    });

    it('rejects a cursor made for another sort', async () => {
      for (let i = 0; i < 2; i++) await createPost(web);
      const { next } = (await web.http().get('/api/posts?sort=newest&limit=1')).body;
      const response = await web.http().get(`/api/posts?sort=title&cursor=${next}`).expect(400);
      expect(Object.keys(response.body.errors)).toEqual(['cursor']);
    });

    it('rejects a bad comments cursor on /api/posts/:id with 400 naming it', async () => {
      const id = await createPost(web);
      const response = await web.http().get(`/api/posts/${id}?comments=zzz`).expect(400);
      expect(Object.keys(response.body.errors)).toEqual(['comments']);
    });
  });
});
