import request from 'supertest';
import { E2E_PHASES } from './helpers/phases';
import { fieldError, flashCookieSet, flashKey, inputValue, textareaValue } from './helpers/html';
import { Browser, Visitor, addComment, createPost, useWebApp } from './helpers/web-app';

const UNKNOWN_ID = '0123456789abcdef01234567';

describe.each(E2E_PHASES)('post pages (phase %s)', (phase) => {
  const web = useWebApp(`pages_${phase}`, phase);
  // Forms are sent as a browser does, signed in with its session cookie and its `_csrf`: `ada`,
  // an author whose display name is Ada, writes; the admin `editor` edits and deletes the posts
  // createPost wrote (as `editor`, author Editor).
  let ada: Browser;
  let editor: Browser;
  let visitor: Visitor;
  beforeEach(async () => {
    ada = await web.signIn('ada', 'author', 'Ada');
    editor = await web.signIn('editor', 'admin');
    visitor = await web.visitor();
  });

  describe('create', () => {
    it('shows an empty form', async () => {
      const response = await ada.agent.get('/create').expect(200);
      expect(response.text).toContain('<form class="stacked" method="post" action="/create"');
      expect(inputValue(response.text, 'title')).toBe('');
      expect(response.text).toContain('Published as Ada.');
      expect(response.text).not.toContain('name="author"');
      expect(response.text).not.toContain('name="version"');
    });

    it('publishes a form post: 303 to the post page, which shows it and a one-time flash', async () => {
      const agent = ada.agent;
      const created = await agent
        .post('/create')
        .type('form')
        .send({ title: '  First post ', content: 'Line one\r\nLine two', _csrf: ada.csrf })
        .expect(303);
      const location = created.headers.location as string;
      expect(location).toMatch(/^\/post\/[0-9a-f]{24}$/);
      expect(flashCookieSet(created.headers)).toBe('created');

      const page = await agent.get(location).expect(200);
      expect(page.text).toContain('<h1>First post</h1>');
      expect(page.text).toContain('by Ada');
      expect(page.text).toContain('<div class="content">Line one\nLine two</div>');
      expect(flashKey(page.text)).toBe('created');
      expect(flashCookieSet(page.headers)).toBe('');

      const again = await agent.get(location).expect(200);
      expect(flashKey(again.text)).toBeUndefined();
      const home = await agent.get('/').expect(200);
      expect(flashKey(home.text)).toBeUndefined();
      expect(home.text).toContain(`href="${location}">First post</a>`);
    });

    it('re-renders the form with 400, the input kept and a message per field', async () => {
      const response = await ada.agent
        .post('/create')
        .type('form')
        .send({ title: 'x'.repeat(201), content: 'Keep <me>\nplease', _csrf: ada.csrf })
        .expect(400);
      expect(response.headers['content-type']).toMatch(/^text\/html/);
      expect(fieldError(response.text, 'title')).toBe('Title must be 1 to 200 characters.');
      expect(fieldError(response.text, 'content')).toBeUndefined();
      expect(inputValue(response.text, 'title')).toBe('x'.repeat(201));
      expect(textareaValue(response.text, 'content')).toBe('Keep <me>\nplease');
      expect(response.text).toContain('aria-invalid="true"');
    });

    it.each([
      ['an operator object', 'title[$gt]=&content=x', 'title', 'Title must be text.'],
      ['an unknown field', 'title=T&content=x&admin=1', undefined, 'admin is not a field'],
      ['a control character', 'title=T%07&content=x', 'title', 'control characters'],
      [
        'a control character in the content',
        'title=T&content=x%01y',
        'content',
        'control characters',
      ],
      [
        'an author (it comes from the account)',
        'title=T&author=Ada&content=x',
        undefined,
        'Author comes from your account; leave it out.',
      ],
      [
        'a version (only edits have one)',
        'title=T&content=x&version=1',
        undefined,
        'version is not a field',
      ],
    ])('rejects %s with 400 and saves nothing', async (_what, body, field, message) => {
      const before = (await web.http().get('/api/posts?limit=100').expect(200)).body.items;
      const response = await ada.agent
        .post('/create')
        .set('Content-Type', 'application/x-www-form-urlencoded')
        .send(`${body}&_csrf=${encodeURIComponent(ada.csrf)}`)
        .expect(400);
      if (field) expect(fieldError(response.text, field)).toContain(message);
      else expect(response.text).toContain(message);
      expect((await web.http().get('/api/posts?limit=100')).body.items).toEqual(before);
    });
  });

  describe('edit', () => {
    it('shows the form filled in, with the version it was rendered from', async () => {
      const id = await createPost(web, { title: 'Edit me', content: 'Old text' });
      const post = (await web.http().get(`/api/posts/${id}`).expect(200)).body;
      const form = await editor.agent.get(`/edit/${id}`).expect(200);
      expect(form.text).toContain(`action="/edit/${id}"`);
      expect(inputValue(form.text, 'title')).toBe('Edit me');
      expect(textareaValue(form.text, 'content')).toBe('Old text');
      expect(inputValue(form.text, 'version')).toBe(String(post.version));
    });

    it('saves an edit: 303 to the post with an "updated" flash; createdAt kept', async () => {
      const id = await createPost(web, { title: 'Before' });
      const before = (await web.http().get(`/api/posts/${id}`)).body;
      const agent = editor.agent;
      const saved = await agent
        .post(`/edit/${id}`)
        .type('form')
        .send({
          title: 'After',
          content: 'New',
          version: String(before.version),
          _csrf: editor.csrf,
        })
        .expect(303);
      expect(saved.headers.location).toBe(`/post/${id}`);
      const page = await agent.get(`/post/${id}`).expect(200);
      expect(flashKey(page.text)).toBe('updated');
      expect(page.text).toContain('<h1>After</h1>');
      expect(page.text).toContain(' · edited <time');
      const after = (await web.http().get(`/api/posts/${id}`)).body;
      // the author stays the post's: an admin's edit does not make the post theirs
      expect(after).toMatchObject({ title: 'After', author: 'Editor', content: 'New' });
      expect(after.createdAt).toBe(before.createdAt);
      expect(after.version).toBeGreaterThan(before.version);
    });

    it('re-renders an invalid edit with 400, keeping the input and the version', async () => {
      const id = await createPost(web, { title: 'Stays' });
      const response = await editor.agent
        .post(`/edit/${id}`)
        .type('form')
        .send({ title: 'New title', content: '', version: '123', _csrf: editor.csrf })
        .expect(400);
      expect(fieldError(response.text, 'content')).toBe('Content must be 1 to 50 000 characters.');
      expect(inputValue(response.text, 'title')).toBe('New title');
      expect(inputValue(response.text, 'version')).toBe('123');
      expect((await web.http().get(`/api/posts/${id}`)).body.title).toBe('Stays');
    });

    it('answers a stale edit with 409: input kept, their title shown, a resubmit wins', async () => {
      const id = await createPost(web, { title: 'Original' });
      const stale = String((await web.http().get(`/api/posts/${id}`)).body.version);
      // someone else (another admin's browser) saves first
      const other = await web.signIn('other-admin', 'admin');
      await other.agent
        .post(`/edit/${id}`)
        .type('form')
        .send({ title: 'Their title', content: 'Theirs', version: stale, _csrf: other.csrf })
        .expect(303);
      const current = (await web.http().get(`/api/posts/${id}`)).body;

      const conflict = await editor.agent
        .post(`/edit/${id}`)
        .type('form')
        .send({ title: 'My title', content: 'Mine', version: stale, _csrf: editor.csrf })
        .expect(409);
      expect(conflict.text).toContain('data-conflict');
      expect(conflict.text).toContain('Someone else changed this post');
      expect(conflict.text).toContain('“Their title”');
      expect(inputValue(conflict.text, 'title')).toBe('My title');
      expect(textareaValue(conflict.text, 'content')).toBe('Mine');
      expect(inputValue(conflict.text, 'version')).toBe(String(current.version));
      expect((await web.http().get(`/api/posts/${id}`)).body.title).toBe('Their title');

      await editor.agent
        .post(`/edit/${id}`)
        .type('form')
        .send({
          title: 'My title',
          content: 'Mine',
          version: String(current.version),
          _csrf: editor.csrf,
        })
        .expect(303);
      expect((await web.http().get(`/api/posts/${id}`)).body.title).toBe('My title');
    });
  });

  describe('delete', () => {
    it('asks for confirmation, naming the post and how many comments go with it', async () => {
      const id = await createPost(web, { title: 'Doomed' });
      const page = await editor.agent.get(`/post/${id}`).expect(200);
      expect(page.text).toContain(`href="/delete/${id}"`);

      const none = await editor.agent.get(`/delete/${id}`).expect(200);
      expect(none.text).toContain('Delete “Doomed”?');
      expect(none.text).toContain('It has no comments.');
      expect(none.text).toContain(`<form method="post" action="/delete/${id}"`);

      await addComment(web, id);
      await addComment(web, id);
      await addComment(web, id);
      const three = await editor.agent.get(`/delete/${id}`).expect(200);
      expect(three.text).toContain('This also deletes its 3 comments.');
    });

    it('deletes on POST: 303 to the front page with a "deleted" flash; the post is gone', async () => {
      const id = await createPost(web, { title: 'Short-lived' });
      const commentId = await addComment(web, id);
      expect(commentId).toMatch(/^[0-9a-f]{24}$/);
      const agent = editor.agent;
      const deleted = await agent
        .post(`/delete/${id}`)
        .type('form')
        .send({ _csrf: editor.csrf })
        .expect(303);
      expect(deleted.headers.location).toBe('/');
      const home = await agent.get('/').expect(200);
      expect(flashKey(home.text)).toBe('deleted');
      expect(home.text).not.toContain(`data-post-id="${id}"`);
      await web.http().get(`/post/${id}`).expect(404);
      await agent.post(`/delete/${id}`).type('form').send({ _csrf: editor.csrf }).expect(404);
    });
  });

  describe('unknown and malformed ids are a 404 page and never a query', () => {
    const routes = (id: string): Array<[string, () => request.Test]> => [
      [`GET /post/${id}`, () => web.http().get(`/post/${id}`)],
      [`GET /edit/${id}`, () => editor.agent.get(`/edit/${id}`)],
      [
        `POST /edit/${id}`,
        () =>
          editor.agent
            .post(`/edit/${id}`)
            .type('form')
            .send({ title: 'T', content: 'C', _csrf: editor.csrf }),
      ],
      [`GET /delete/${id}`, () => editor.agent.get(`/delete/${id}`)],
      [
        `POST /delete/${id}`,
        () => editor.agent.post(`/delete/${id}`).type('form').send({ _csrf: editor.csrf }),
      ],
      [
        `POST /post/${id}/comment`,
        () =>
          visitor.agent
            .post(`/post/${id}/comment`)
            .type('form')
            .send({ commenter: 'B', comment: 'C', _csrf: visitor.csrf }),
      ],
    ];

    it.each([
      UNKNOWN_ID,
      'not-an-id',
      '0123456789ABCDEF01234567',
      '%24where',
      '0123456789abcdef012345678',
    ])('id %s', async (id) => {
      for (const [name, send] of routes(id)) {
        const response = await send();
        expect({ name, status: response.status }).toEqual({ name, status: 404 });
        expect(response.text).toContain('There is no post at this address.');
      }
    });
  });
});
