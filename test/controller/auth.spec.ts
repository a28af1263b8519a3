import request from 'supertest';
import { newId } from '../../src/store/versions';
import {
  createPost,
  JSON_HEADERS,
  PASSWORD,
  postFields,
  useControllerApp,
} from './helpers/controller-app';

/** Who may write what, CSRF, sessions that end, and the sign-in throttle. */
describe('accounts and access (controller tier: the HTTP app on in-memory stores)', () => {
  const web = useControllerApp('mongo', {
    LOGIN_FAILURES_PER_USERNAME: '3',
    LOGIN_FAILURES_PER_ADDRESS: '10',
    RATE_LIMIT_COMMENTS: '3',
  });
  const posts = () => web.stores.mongo.posts;
  const comments = () => web.stores.mongo.comments;

  describe('anonymous writes are refused and change nothing', () => {
    it.each([
      ['create', () => '/create'],
      ['edit', (id: string) => `/edit/${id}`],
      ['delete', (id: string) => `/delete/${id}`],
    ])('%s: JSON 401 {message}, a form 303 to /login?next=<path>', async (_what, path) => {
      const id = await createPost(web, { title: 'Kept' });
      const before = JSON.stringify([...posts().values()]);
      const json = await web
        .http()
        .post(path(id))
        .set(JSON_HEADERS)
        .send(postFields({ title: 'Changed' }))
        .expect(401);
      expect(json.body.message).toEqual(expect.any(String));
      const { agent, csrf } = await web.visitor();
      const form = await agent
        .post(path(id))
        .type('form')
        .send({ ...postFields({ title: 'Changed' }), _csrf: csrf })
        .expect(303);
      expect(form.headers.location).toBe(`/login?next=${encodeURIComponent(path(id))}`);
      expect(JSON.stringify([...posts().values()])).toBe(before);
    });

    it('sends the signed-out reader of /create to sign in first, and back after', async () => {
      const page = await web.http().get('/create').expect(303);
      expect(page.headers.location).toBe('/login?next=%2Fcreate');
      const { agent, csrf } = await web.visitor();
      web.account('ada');
      const signedIn = await agent
        .post('/login')
        .type('form')
        .send({ username: 'ada', password: PASSWORD, next: '/create', _csrf: csrf })
        .expect(303);
      expect(signedIn.headers.location).toBe('/create');
    });

    it.each(['//evil.example', '/\\evil.example', 'https://evil.example/', '/\t/evil'])(
      'never redirects off the site after sign-in (next=%j)',
      async (next) => {
        const { agent, csrf } = await web.visitor();
        web.account('ada');
        const signedIn = await agent
          .post('/login')
          .type('form')
          .send({ username: 'ada', password: PASSWORD, next, _csrf: csrf })
          .expect(303);
        expect(signedIn.headers.location).toBe('/');
      },
    );
  });

  describe('owners and admins', () => {
    it('creates a post as the account: its display name, its id as owner', async () => {
      const ada = web.account('ada');
      const id = await createPost(web, {}, await web.tokenOf('ada'));
      expect(posts().get(id)).toMatchObject({ author: 'ada (name)', ownerId: ada.id });
    });

    it('refuses a body naming an author with 400, saving nothing', async () => {
      const response = await web
        .http()
        .post('/create')
        .set(JSON_HEADERS)
        .set(web.writer)
        .send(postFields({ author: 'Someone else' }))
        .expect(400);
      expect(Object.keys(response.body.errors)).toEqual(['author']);
      expect(posts().size).toBe(0);
    });

    it("an author cannot edit or delete another author's post (403); an admin can", async () => {
      const id = await createPost(web, { title: 'Ada’s' }, await web.tokenOf('ada'));
      const bo = await web.tokenOf('bob');
      for (const path of [`/edit/${id}`, `/delete/${id}`]) {
        await web.http().post(path).set(JSON_HEADERS).set(bo).send(postFields()).expect(403);
      }
      await web.http().get(`/edit/${id}`).set(bo).expect(403);
      expect(posts().get(id)?.title).toBe('Ada’s');
      await web
        .http()
        .post(`/edit/${id}`)
        .set(JSON_HEADERS)
        .set(web.writer)
        .send(postFields({ title: 'By the admin' }))
        .expect(200);
      expect(posts().get(id)).toMatchObject({ title: 'By the admin', author: 'ada (name)' });
      await web.http().post(`/delete/${id}`).set(JSON_HEADERS).set(web.writer).expect(200);
      expect(posts().size).toBe(0);
    });

    it('lets an author edit their own post, and only admins one from before accounts', async () => {
      const ada = await web.tokenOf('ada');
      const own = await createPost(web, {}, ada);
      const edit = (id: string) =>
        web
          .http()
          .post(`/edit/${id}`)
          .set(JSON_HEADERS)
          .set(ada)
          .send(postFields({ title: 'x' }));
      await edit(own).expect(200);
      const old = await createPost(web);
      posts().set(old, { ...posts().get(old)!, ownerId: '' });
      await edit(old).expect(403);
    });

    it('shows edit and delete buttons only to those who may use them', async () => {
      const id = await createPost(web, {}, await web.tokenOf('ada'));
      const buttons = (html: string) => html.includes(`href="/edit/${id}"`);
      expect(buttons((await web.http().get(`/post/${id}`)).text)).toBe(false);
      const bo = await web.signIn('bob');
      expect(buttons((await bo.agent.get(`/post/${id}`)).text)).toBe(false);
      const ada = await web.signIn('ada');
      expect(buttons((await ada.agent.get(`/post/${id}`)).text)).toBe(true);
    });
  });

  describe('CSRF', () => {
    it.each([
      ['without _csrf', (csrf: string) => ({ body: {}, headers: {}, _: csrf })],
      ['with a wrong _csrf', () => ({ body: { _csrf: 'x'.repeat(43) }, headers: {} })],
      [
        'from a foreign Origin',
        (csrf: string) => ({ body: { _csrf: csrf }, headers: { Origin: 'https://evil.example' } }),
      ],
      [
        'from Origin null',
        (csrf: string) => ({ body: { _csrf: csrf }, headers: { Origin: 'null' } }),
      ],
    ])('refuses a signed-in form %s with 403, changing nothing', async (_what, make) => {
      const editor = await web.signIn('editor', 'admin');
      const { body, headers } = make(editor.csrf);
      await editor.agent
        .post('/create')
        .type('form')
        .set(headers)
        .send({ ...postFields(), ...body })
        .expect(403);
      expect(posts().size).toBe(0);
    });

    it("refuses another browser's token: it is bound to the session", async () => {
      const ada = await web.signIn('ada');
      const bo = await web.signIn('bob');
      await bo.agent
        .post('/create')
        .type('form')
        .send({ ...postFields(), _csrf: ada.csrf })
        .expect(403);
      expect(posts().size).toBe(0);
    });

    it('accepts the token as X-CSRF-Token, and a same-site Origin', async () => {
      const editor = await web.signIn('editor', 'admin');
      await editor.agent
        .post('/create')
        .set(JSON_HEADERS)
        .set({ 'X-CSRF-Token': editor.csrf, Host: 'blog.example', Origin: 'https://blog.example' })
        .send(postFields())
        .expect(201);
    });

    it('refuses an anonymous comment without the visitor token (403), takes it with one', async () => {
      const id = await createPost(web);
      await web
        .http()
        .post(`/post/${id}/comment`)
        .type('form')
        .send({ commenter: 'Bo', comment: 'Hi' })
        .expect(403);
      const { agent, csrf } = await web.visitor();
      await agent
        .post(`/post/${id}/comment`)
        .type('form')
        .send({ commenter: 'Bo', comment: 'Hi', _csrf: csrf })
        .expect(303);
      expect([...comments().values()].map((c) => c.commenter)).toEqual(['Bo']);
    });

    it('needs no CSRF token with a bearer token', async () => {
      await web
        .http()
        .post('/create')
        .set(JSON_HEADERS)
        .set(web.writer)
        .send(postFields())
        .expect(201);
    });
  });

  describe('sessions', () => {
    it('sets an HttpOnly, SameSite=Lax session cookie with the absolute timeout', async () => {
      web.account('ada');
      const { agent, csrf } = await web.visitor();
      const response = await agent
        .post('/login')
        .type('form')
        .send({ username: 'ada', password: PASSWORD, _csrf: csrf })
        .expect(303);
      const cookie = String(response.headers['set-cookie']);
      expect(cookie).toMatch(/sid=[0-9a-f]{24}\.[A-Za-z0-9_-]{43}/);
      expect(cookie).toMatch(/HttpOnly/);
      expect(cookie).toMatch(/SameSite=Lax/);
      expect(cookie).toMatch(/Max-Age=604800/);
      expect(cookie).not.toMatch(/Secure/);
    });

    it('refuses the cookie replayed after logout', async () => {
      const ada = await web.signIn('ada');
      const cookie = `sid=${[...web.accounts.credentials.values()][1].id}`;
      expect(cookie).toBeDefined();
      const jar = (await ada.agent.get('/account').expect(200)).request.cookies;
      await ada.agent.post('/logout').type('form').send({ _csrf: ada.csrf }).expect(303);
      await request(web.app.getHttpServer()).get('/account').set('Cookie', jar).expect(303);
    });

    it("refuses a disabled user's token and sessions at their next request", async () => {
      const ada = await web.signIn('ada');
      const token = await web.tokenOf('ada');
      await web.http().get('/account').set(token).expect(200);
      const admin = await web.signIn('editor', 'admin');
      await admin.agent
        .post('/admin/users/ada/disable')
        .type('form')
        .send({ _csrf: admin.csrf })
        .expect(303);
      await web.http().get('/account').set(token).expect(401);
      await ada.agent.get('/account').expect(303);
      await web.http().post('/create').set(JSON_HEADERS).set(token).send(postFields()).expect(401);
      expect(posts().size).toBe(0);
    });

    it('a password change ends the other sessions, keeps this one', async () => {
      const here = await web.signIn('ada');
      const there = await web.signIn('ada');
      await here.agent
        .post('/account/password')
        .type('form')
        .send({ current: PASSWORD, password: 'a brand new passphrase', _csrf: here.csrf })
        .expect(303);
      await here.agent.get('/account').expect(200);
      await there.agent.get('/account').expect(303);
    });

    it('refuses a password change without the right current password (400)', async () => {
      const ada = await web.signIn('ada');
      const hash = web.account('ada').passwordHash;
      await ada.agent
        .post('/account/password')
        .set(JSON_HEADERS)
        .send({ current: 'wrong', password: 'a brand new passphrase', _csrf: ada.csrf })
        .expect(400);
      expect(
        [...web.accounts.accounts.values()].find((a) => a.username === 'ada')?.passwordHash,
      ).toBe(hash);
    });

    it('answers a bad bearer token with 401 on any route', async () => {
      await web.http().get('/').set('Authorization', 'Bearer nope').expect(401);
      await web
        .http()
        .get('/api/posts')
        .set('Authorization', `Bearer ${newId()}.${'a'.repeat(43)}`)
        .expect(401);
    });
  });

  describe('sign-in throttle', () => {
    it('gives the same message for an unknown user and a wrong password', async () => {
      web.account('ada');
      const { agent, csrf } = await web.visitor();
      const attempt = (username: string) =>
        agent.post('/login').set(JSON_HEADERS).send({ username, password: 'nope', _csrf: csrf });
      const unknown = await attempt('nobody').expect(401);
      const wrong = await attempt('ada').expect(401);
      expect(unknown.body.message).toBe(wrong.body.message);
    });

    it('locks a username after its failures: 429 + Retry-After, even for the right password', async () => {
      web.account('cy');
      const { agent, csrf } = await web.visitor();
      const attempt = (password: string) =>
        agent.post('/login').set(JSON_HEADERS).send({ username: 'cy', password, _csrf: csrf });
      for (let i = 0; i < 3; i++) await attempt('wrong').expect(401);
      const locked = await attempt(PASSWORD).expect(429);
      expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
      expect(String(locked.headers['set-cookie'] ?? '')).not.toContain('sid=');
    });
  });

  describe('comments', () => {
    it('a signed-in comment carries the account name; a name field is refused', async () => {
      const id = await createPost(web);
      const ada = await web.tokenOf('ada');
      await web
        .http()
        .post(`/post/${id}/comment`)
        .set(JSON_HEADERS)
        .set(ada)
        .send({ comment: 'Hi' })
        .expect(201);
      await web
        .http()
        .post(`/post/${id}/comment`)
        .set(JSON_HEADERS)
        .set(ada)
        .send({ commenter: 'Eve', comment: 'Hi' })
        .expect(400);
      expect([...comments().values()].map((c) => c.commenter)).toEqual(['ada (name)']);
    });

    it('rate-limits comments per address: 429 with Retry-After', async () => {
      const id = await createPost(web);
      const ada = await web.tokenOf('ada');
      const add = () =>
        web.http().post(`/post/${id}/comment`).set(JSON_HEADERS).set(ada).send({ comment: 'Hi' });
      // earlier tests of this file used some of this address's minute
      let last = await add();
      while (last.status === 201) last = await add();
      expect(last.status).toBe(429);
      expect(Number(last.headers['retry-after'])).toBeGreaterThan(0);
    });

    it('deletes one comment: admins only (form or bearer), 403 for an author', async () => {
      const id = await createPost(web);
      comments().set('c'.repeat(24), {
        id: 'c'.repeat(24),
        postId: id,
        commenter: 'Spam',
        comment: 'buy',
        createdAt: new Date(),
      });
      const commentId = 'c'.repeat(24);
      await web
        .http()
        .post(`/comment/${commentId}/delete`)
        .set(JSON_HEADERS)
        .set(await web.tokenOf('ada'))
        .expect(403);
      await web.http().post(`/comment/${commentId}/delete`).set(JSON_HEADERS).expect(401);
      expect(comments().size).toBe(1);
      const admin = await web.signIn('editor', 'admin');
      const page = await admin.agent.get(`/post/${id}`).expect(200);
      expect(page.text).toContain(`action="/comment/${commentId}/delete"`);
      const done = await admin.agent
        .post(`/comment/${commentId}/delete`)
        .type('form')
        .send({ _csrf: admin.csrf })
        .expect(303);
      expect(done.headers.location).toBe(`/post/${id}#comments`);
      expect(comments().size).toBe(0);
      await web
        .http()
        .post(`/comment/${commentId}/delete`)
        .set(JSON_HEADERS)
        .set(web.writer)
        .expect(404);
    });
  });

  describe('POST /api/users', () => {
    const body = {
      username: 'NewUser',
      name: 'New User',
      role: 'author',
      password: 'long enough pass',
    };

    it('201 {id} for an admin, then 409 for the same name in any case', async () => {
      const created = await web.http().post('/api/users').set(web.writer).send(body).expect(201);
      expect(web.accounts.accounts.get(created.body.id)).toMatchObject({ username: 'newuser' });
      await web
        .http()
        .post('/api/users')
        .set(web.writer)
        .send({ ...body, username: 'newuser' })
        .expect(409);
    });

    it('403 for an author, 401 with no token, changing nothing', async () => {
      await web
        .http()
        .post('/api/users')
        .set(await web.tokenOf('ada'))
        .send(body)
        .expect(403);
      await web.http().post('/api/users').set(JSON_HEADERS).send(body).expect(401);
      expect(await web.accounts.accountNamed('newuser')).toBeNull();
    });

    it.each([
      ['a bad username', { username: 'a' }, 'username'],
      ['a short password', { password: 'short' }, 'password'],
      ['a bad role', { role: 'root' }, 'Role'],
      ['an unknown field', { admin: true }, undefined],
      // null in an optional field is not "absent" (it was a 500: null.trim())
      ['a null display name', { name: null }, 'Name must be text'],
    ])('400 for %s', async (_what, change, field) => {
      const response = await web
        .http()
        .post('/api/users')
        .set(web.writer)
        .send({ ...body, ...change })
        .expect(400);
      if (field) expect(JSON.stringify(response.body)).toContain(field);
      expect(await web.accounts.accountNamed('newuser')).toBeNull();
    });
  });

  describe('pages', () => {
    it('admin pages: 200 for an admin, 403 for an author', async () => {
      const admin = await web.signIn('editor', 'admin');
      const page = await admin.agent.get('/admin/users').expect(200);
      expect(page.text).toContain('data-account="editor"');
      expect(page.text).not.toContain('scrypt');
      const author = await web.signIn('ada');
      await author.agent.get('/admin/users').expect(403);
    });

    it('creates an account from /admin/users and re-renders a taken name with 409', async () => {
      const admin = await web.signIn('editor', 'admin');
      const form = { username: 'bob', name: 'Bob', role: 'author', password: 'long enough pass' };
      await admin.agent
        .post('/admin/users')
        .type('form')
        .send({ ...form, _csrf: admin.csrf })
        .expect(303);
      const again = await admin.agent
        .post('/admin/users')
        .type('form')
        .send({ ...form, _csrf: admin.csrf })
        .expect(409);
      expect(again.text).toContain('The username bob is taken.');
    });

    it('shows who is signed in, with a logout form carrying _csrf', async () => {
      const ada = await web.signIn('ada');
      const page = await ada.agent.get('/').expect(200);
      expect(page.text).toContain('data-signed-in="ada"');
      expect(page.text).toMatch(/action="\/logout">\s*<input type="hidden" name="_csrf"/);
    });
  });
});
