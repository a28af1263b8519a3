import { newId } from '../../src/store/versions';
import { createPost, JSON_HEADERS, postFields, useControllerApp } from './helpers/controller-app';

/** Every JSON route's success, bad-input and not-found paths (the form routes' JSON variants too). */
describe('JSON API (controller tier: the HTTP app on in-memory stores)', () => {
  const web = useControllerApp('cassandra');
  const unknown = newId();
  const store = () => web.stores.cassandra;

  describe('GET /api/posts', () => {
    it('pages through the posts in the order asked for (200), next and back', async () => {
      for (const title of ['Charlie', 'alpha', 'Bravo']) await createPost(web, { title });
      const first = await web.http().get('/api/posts?sort=title&limit=2').expect(200);
      expect(first.body.items.map((p: { title: string }) => p.title)).toEqual(['alpha', 'Bravo']);
      expect(first.body.prev).toBeNull();
      const second = await web
        .http()
        .get(`/api/posts?sort=title&limit=2&cursor=${first.body.next}`);
      expect(second.body.items.map((p: { title: string }) => p.title)).toEqual(['Charlie']);
      const back = await web.http().get(`/api/posts?sort=title&limit=2&cursor=${second.body.prev}`);
      expect(back.body.items).toEqual(first.body.items);
    });

    it.each([
      ['limit', '/api/posts?limit=0'],
      ['limit', '/api/posts?limit=101'],
      ['sort', '/api/posts?sort=bogus'],
      ['cursor', '/api/posts?cursor=xyz'],
    ])('answers a bad %s with 400 naming it (%s)', async (field, url) => {
      const response = await web.http().get(url).expect(400);
      expect(Object.keys(response.body.errors)).toEqual([field]);
    });
  });

  describe('GET /api/posts/:id', () => {
    it('answers the post with its comments, oldest first (200)', async () => {
      const id = await createPost(web, { title: 'With comments' });
      for (const comment of ['first', 'second']) {
        await web
          .http()
          .post(`/post/${id}/comment`)
          .set(JSON_HEADERS)
          .set(web.writer)
          .send({ comment });
      }
      const response = await web.http().get(`/api/posts/${id}`).expect(200);
      expect(response.body).toMatchObject({ id, title: 'With comments', nextComments: null });
      expect(response.body.comments.map((c: { comment: string }) => c.comment)).toEqual([
        'first',
        'second',
      ]);
    });

    it('answers an unknown or malformed id with 404', async () => {
      await web.http().get(`/api/posts/${unknown}`).expect(404);
      const response = await web.http().get('/api/posts/nope').expect(404);
      expect(response.body.message).toBe('There is no post at this address.');
    });

    it('answers a tampered comments cursor with 400', async () => {
      const id = await createPost(web);
      const response = await web.http().get(`/api/posts/${id}?comments=xyz`).expect(400);
      expect(Object.keys(response.body.errors)).toEqual(['comments']);
    });
  });

  describe('POST /create (JSON)', () => {
    it('answers 201 with the new id', async () => {
      const response = await web
        .http()
        .post('/create')
        .set(JSON_HEADERS)
        .set(web.writer)
        .send(postFields())
        .expect(201);
      expect(store().posts.has(response.body.id)).toBe(true);
    });

    it.each([
      ['an unknown field', postFields({ admin: true }), 'admin'],
      ['a query operator', { ...postFields(), title: { $gt: '' } }, 'title'],
      ['a missing field', { title: 'T' }, 'content'],
      ['an author (it comes from the account)', postFields({ author: 'Eve' }), 'author'],
    ])('refuses %s with 400, saving nothing', async (_what, body, field) => {
      const response = await web
        .http()
        .post('/create')
        .set(JSON_HEADERS)
        .set(web.writer)
        .send(body)
        .expect(400);
      expect(Object.keys(response.body.errors)).toContain(field);
      expect(store().posts.size).toBe(0);
    });
  });

  describe('POST /edit/:id (JSON)', () => {
    it('answers 200 with the new version', async () => {
      const id = await createPost(web);
      const version = store().posts.get(id)!.version;
      const response = await web
        .http()
        .post(`/edit/${id}`)
        .set(JSON_HEADERS)
        .set(web.writer)
        .send(postFields({ title: 'New', version }))
        .expect(200);
      expect(response.body.id).toBe(id);
      expect(response.body.version).toBeGreaterThan(version);
    });

    it('answers a stale version with 409 and the current one', async () => {
      const id = await createPost(web);
      const stale = store().posts.get(id)!.version;
      await web
        .http()
        .post(`/edit/${id}`)
        .set(JSON_HEADERS)
        .set(web.writer)
        .send(postFields({ title: 'Theirs' }));
      const response = await web
        .http()
        .post(`/edit/${id}`)
        .set(JSON_HEADERS)
        .set(web.writer)
        .send(postFields({ title: 'Mine', version: stale }))
        .expect(409);
      expect(response.body).toMatchObject({ id, title: 'Theirs' });
    });

    it('answers bad input with 400 and an unknown post with 404', async () => {
      const id = await createPost(web);
      await web
        .http()
        .post(`/edit/${id}`)
        .set(JSON_HEADERS)
        .set(web.writer)
        .send(postFields({ version: 'x' }))
        .expect(400);
      await web
        .http()
        .post(`/edit/${unknown}`)
        .set(JSON_HEADERS)
        .set(web.writer)
        .send(postFields())
        .expect(404);
    });
  });

  describe('POST /delete/:id (JSON)', () => {
    it('answers 200 and deletes, then 404 for the same post', async () => {
      const id = await createPost(web);
      const response = await web
        .http()
        .post(`/delete/${id}`)
        .set(JSON_HEADERS)
        .set(web.writer)
        .expect(200);
      expect(response.body).toEqual({ id, deleted: true });
      await web.http().post(`/delete/${id}`).set(JSON_HEADERS).set(web.writer).expect(404);
    });
  });

  describe('POST /post/:id/comment (JSON)', () => {
    it('answers 201 with the id, 400 for a bad comment, 404 for an unknown post', async () => {
      const id = await createPost(web);
      const added = await web
        .http()
        .post(`/post/${id}/comment`)
        .set(JSON_HEADERS)
        .set(web.writer)
        .send({ comment: 'Hi' })
        .expect(201);
      expect(store().comments.has(added.body.id)).toBe(true);
      const bad = await web
        .http()
        .post(`/post/${id}/comment`)
        .set(JSON_HEADERS)
        .set(web.writer)
        .send({ comment: '' })
        .expect(400);
      expect(Object.keys(bad.body.errors)).toEqual(['comment']);
      await web
        .http()
        .post(`/post/${unknown}/comment`)
        .set(JSON_HEADERS)
        .set(web.writer)
        .send({ comment: 'Hi' })
        .expect(404);
      expect(store().comments.size).toBe(1);
    });
  });

  it('answers an unknown API address with a JSON 404', async () => {
    const response = await web.http().get('/api/nothing').expect(404);
    expect(response.body.statusCode).toBe(404);
  });

  it('answers 503 in JSON while the store is down', async () => {
    store().unavailable = true;
    const response = await web.http().get('/api/posts').expect(503);
    expect(response.body.message).toBe(
      'The database is not available right now; nothing was saved. Please try again.',
    );
  });
});
