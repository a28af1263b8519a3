import { MongoNetworkTimeoutError } from 'mongodb';
import { StoreUnavailableError } from '../../src/store/store-errors';
import { newId } from '../../src/store/versions';
import { Browser, createPost, postFields, useControllerApp } from './helpers/controller-app';

/** Every page route's success, bad-input and not-found paths, as a browser posts forms. */
describe('pages (controller tier: the HTTP app on in-memory stores)', () => {
  const web = useControllerApp('mongo');
  const unknown = newId();
  // forms are sent as a browser does: the admin `editor` signed in, or an anonymous visitor,
  // each with its own cookies and the `_csrf` of its pages
  let editor: Browser;
  let visitor: Awaited<ReturnType<typeof web.visitor>>;
  beforeEach(async () => {
    editor = await web.signIn('editor', 'admin');
    visitor = await web.visitor();
  });
  const editorPost = (path: string) =>
    editor.agent.post(path).type('form').send({ _csrf: editor.csrf });
  const visitorPost = (path: string) =>
    visitor.agent.post(path).type('form').send({ _csrf: visitor.csrf });

  describe('GET /', () => {
    it('lists the posts (200), newest first', async () => {
      await createPost(web, { title: 'First one' });
      await createPost(web, { title: 'Second one' });
      const page = await web.http().get('/').expect(200);
      expect(page.text).toContain('First one');
      expect(page.text.indexOf('Second one')).toBeLessThan(page.text.indexOf('First one'));
    });

    it.each([
      ['an unknown sort', '/?sort=bogus', 'sort must be one of'],
      ['a tampered cursor', '/?cursor=xyz', 'This page link is invalid or has expired'],
      ['a cursor given twice', '/?cursor=a&cursor=b', 'cursor must be given once'],
    ])('answers %s with a 400 page', async (_what, url, message) => {
      const page = await web.http().get(url).expect(400);
      expect(page.text).toContain(message);
    });
  });

  describe('/create', () => {
    it('shows the form (200)', async () => {
      const page = await editor.agent.get('/create').expect(200);
      expect(page.text).toContain('name="title"');
      expect(page.text).toContain('name="content"');
    });

    it('publishes a post and redirects to it (303) with a one-time message', async () => {
      const response = await editorPost('/create').send(postFields()).expect(303);
      expect(response.headers.location).toMatch(/^\/post\/[0-9a-f]{24}$/);
      expect(String(response.headers['set-cookie'])).toContain('flash=created');
      expect(web.stores.mongo.posts.size).toBe(1);
    });

    it('re-renders an invalid form with 400, the input and a message per field, saving nothing', async () => {
      const page = await editorPost('/create')
        .send(postFields({ title: '', content: 'Keeps this' }))
        .expect(400);
      expect(page.text).toContain('Title must be 1 to 200 characters.');
      expect(page.text).toContain('Keeps this');
      expect(web.stores.mongo.posts.size).toBe(0);
    });
  });

  describe('GET /post/:id', () => {
    it('shows the post with its comments (200)', async () => {
      const id = await createPost(web, { title: 'With comments' });
      await visitorPost(`/post/${id}/comment`).send({ commenter: 'Bo', comment: 'Hello there' });
      const page = await web.http().get(`/post/${id}`).expect(200);
      expect(page.text).toContain('With comments');
      expect(page.text).toContain('Hello there');
    });

    it.each([
      ['an unknown id', () => `/post/${unknown}`],
      ['a malformed id', () => '/post/not-an-id'],
    ])('answers %s with the 404 page', async (_what, url) => {
      const page = await web.http().get(url()).expect(404);
      expect(page.text).toContain('There is no post at this address.');
    });

    it('answers a tampered comments link with 400', async () => {
      const id = await createPost(web);
      const page = await web.http().get(`/post/${id}?comments=xyz`).expect(400);
      expect(page.text).toContain('This comments link is invalid or has expired');
    });
  });

  describe('POST /post/:id/comment', () => {
    it('adds the comment and redirects to it (303)', async () => {
      const id = await createPost(web);
      const response = await visitorPost(`/post/${id}/comment`)
        .send({ commenter: 'Bo', comment: 'Nice' })
        .expect(303);
      expect(response.headers.location).toBe(`/post/${id}#comments`);
      expect(web.stores.mongo.comments.size).toBe(1);
    });

    it('re-renders the post page with 400 for an invalid comment', async () => {
      const id = await createPost(web);
      const page = await visitorPost(`/post/${id}/comment`)
        .send({ commenter: '', comment: 'Kept text' })
        .expect(400);
      expect(page.text).toContain('Kept text');
      expect(web.stores.mongo.comments.size).toBe(0);
    });

    it('answers a comment on an unknown post with 404', async () => {
      await visitorPost(`/post/${unknown}/comment`)
        .send({ commenter: 'Bo', comment: 'Nice' })
        .expect(404);
      expect(web.stores.mongo.comments.size).toBe(0);
    });
  });

  describe('/edit/:id', () => {
    it('shows the form with the version it starts from (200)', async () => {
      const id = await createPost(web, { title: 'Editable' });
      const page = await editor.agent.get(`/edit/${id}`).expect(200);
      const version = web.stores.mongo.posts.get(id)?.version;
      expect(page.text).toContain(`name="version" value="${version}"`);
    });

    it('saves and redirects (303)', async () => {
      const id = await createPost(web);
      const version = web.stores.mongo.posts.get(id)?.version;
      await editorPost(`/edit/${id}`)
        .send(postFields({ title: 'Renamed', version: String(version) }))
        .expect(303);
      expect(web.stores.mongo.posts.get(id)?.title).toBe('Renamed');
    });

    it('keeps the text and answers 409 when someone else changed the post meanwhile', async () => {
      const id = await createPost(web);
      const stale = web.stores.mongo.posts.get(id)!.version;
      await editorPost(`/edit/${id}`).send(postFields({ title: 'Theirs' }));
      const page = await editorPost(`/edit/${id}`)
        .send(postFields({ title: 'Mine', version: String(stale) }))
        .expect(409);
      expect(page.text).toContain('Mine');
      expect(web.stores.mongo.posts.get(id)?.title).toBe('Theirs');
    });

    it('answers an invalid edit with 400, changing nothing', async () => {
      const id = await createPost(web, { title: 'Unchanged' });
      await editorPost(`/edit/${id}`)
        .send(postFields({ content: '' }))
        .expect(400);
      expect(web.stores.mongo.posts.get(id)?.title).toBe('Unchanged');
    });

    it('answers an unknown post with 404, to show and to save', async () => {
      await editor.agent.get(`/edit/${unknown}`).expect(404);
      await editorPost(`/edit/${unknown}`).send(postFields()).expect(404);
    });
  });

  describe('/delete/:id', () => {
    it('asks first, saying how many comments go with the post (200)', async () => {
      const id = await createPost(web);
      for (const comment of ['one', 'two']) {
        await visitorPost(`/post/${id}/comment`).send({ commenter: 'Bo', comment });
      }
      const page = await editor.agent.get(`/delete/${id}`).expect(200);
      expect(page.text).toContain('2 comments');
    });

    it('deletes the post and its comments and redirects home (303)', async () => {
      const id = await createPost(web);
      await visitorPost(`/post/${id}/comment`).send({ commenter: 'Bo', comment: 'x' });
      const response = await editorPost(`/delete/${id}`).expect(303);
      expect(response.headers.location).toBe('/');
      expect(web.stores.mongo.posts.size).toBe(0);
      expect(web.stores.mongo.comments.size).toBe(0);
    });

    it('answers an unknown post with 404, to ask and to delete', async () => {
      await editor.agent.get(`/delete/${unknown}`).expect(404);
      await editorPost(`/delete/${unknown}`).expect(404);
    });
  });

  it('answers an unknown address with the 404 page', async () => {
    await web.http().get('/no/such/page').expect(404);
  });

  it('answers 503, saving nothing, while the store that decides writes is down', async () => {
    web.stores.mongo.unavailable = true;
    const page = await editorPost('/create').send(postFields()).expect(503);
    expect(page.text).toContain('The database is not available right now; nothing was saved.');
    expect(page.headers['retry-after']).toBe('5');
  });

  it('answers 503 saying the change may have been saved when the store took it and its answer was lost', async () => {
    const lost = new StoreUnavailableError(
      'mongo: answer lost',
      new MongoNetworkTimeoutError('connection 3 to 127.0.0.1:27017 timed out'),
    );
    jest.spyOn(web.stores.mongo, 'createPost').mockRejectedValueOnce(lost);
    const page = await editorPost('/create').send(postFields()).expect(503);
    expect(page.text).toContain('your change may or may not have been saved');
    expect(page.text).not.toContain('nothing was saved');
    // a read that fails the same way saved nothing, whatever the store was doing
    jest.spyOn(web.stores.mongo, 'listPosts').mockRejectedValueOnce(lost);
    const home = await web.http().get('/').expect(503);
    expect(home.text).toContain('nothing was saved');
  });
});
