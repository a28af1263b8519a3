import request from 'supertest';
import { SIGN_IN_MESSAGE } from '../../src/common/errors/sign-in-required';
import { MigrationPhase } from '../../src/config/migration-phase';
import { Post, PostStore } from '../../src/store/post-store';
import { newId, nextVersion } from '../../src/store/versions';
import {
  accountInBoth,
  bothStores,
  commentInBoth,
  credentialsInBoth,
  postInBoth,
} from './helpers/both-stores';
import {
  Browser,
  JSON_HEADERS,
  PASSWORD,
  addComment,
  createPost,
  postFields,
  useWebApp,
} from './helpers/web-app';

/** The phases with both stores: what the app refuses must be missing from both. */
const PHASES: MigrationPhase[] = ['dual-write', 'cassandra-primary'];

/**
 * Accounts, roles, CSRF and sessions on the real servers (docs/accounts.md, issue 14's
 * acceptance): every refusal is checked in MongoDB and in Cassandra directly, not only through
 * the app, and every allowed change reaches both.
 */
describe.each(PHASES)('accounts and access against both stores (phase %s)', (phase) => {
  const web = useWebApp(`accounts_${phase}`, phase, { LOGIN_FAILURES_PER_USERNAME: '3' });
  const unchangedSince = async (before: Awaited<ReturnType<typeof bothStores>>) =>
    expect(await bothStores(web)).toEqual(before);

  describe('anonymous writes are refused and change nothing in either store', () => {
    it.each([
      ['create', () => '/create'],
      ['edit', (id: string) => `/edit/${id}`],
      ['delete', (id: string) => `/delete/${id}`],
    ])('%s: JSON 401 {message}, a form 303 to /login?next=<path>', async (_what, path) => {
      const id = await createPost(web, { title: 'Kept' });
      const before = await bothStores(web);

      const json = await web
        .http()
        .post(path(id))
        .set(JSON_HEADERS)
        .send(postFields({ title: 'Changed' }))
        .expect(401);
      expect(json.body).toMatchObject({ message: SIGN_IN_MESSAGE });
      const { agent, csrf } = await web.visitor();
      const form = await agent
        .post(path(id))
        .type('form')
        .send({ ...postFields({ title: 'Changed' }), _csrf: csrf })
        .expect(303);
      expect(form.headers.location).toBe(`/login?next=${encodeURIComponent(path(id))}`);
      await unchangedSince(before);
    });
  });

  describe('owners and admins', () => {
    it("an author cannot edit or delete another author's post (403); an admin can", async () => {
      const ada = await web.account('ada', 'author', 'Ada');
      const id = await createPost(web, { title: 'Ada’s' }, await web.tokenOf('ada'));
      expect(await postInBoth(web, id)).toEqual({
        mongo: expect.objectContaining({ title: 'Ada’s', author: 'Ada', owner_id: ada.id }),
        cassandra: expect.objectContaining({ title: 'Ada’s', author: 'Ada', owner_id: ada.id }),
      });
      const bob = await web.tokenOf('bob');
      const bobBrowser = await web.signIn('bob');
      const before = await bothStores(web);

      await web
        .http()
        .post(`/edit/${id}`)
        .set(JSON_HEADERS)
        .set(bob)
        .send(postFields())
        .expect(403);
      await web.http().post(`/delete/${id}`).set(JSON_HEADERS).set(bob).expect(403);
      await bobBrowser.agent.get(`/edit/${id}`).expect(403);
      await bobBrowser.agent
        .post(`/edit/${id}`)
        .type('form')
        .send({ ...postFields({ title: 'Bob’s now' }), _csrf: bobBrowser.csrf })
        .expect(403);
      await bobBrowser.agent
        .post(`/delete/${id}`)
        .type('form')
        .send({ _csrf: bobBrowser.csrf })
        .expect(403);
      await unchangedSince(before);

      await web
        .http()
        .post(`/edit/${id}`)
        .set(JSON_HEADERS)
        .set(web.writer)
        .send(postFields({ title: 'By the admin' }))
        .expect(200);
      // an admin's edit keeps the post's author and owner
      const edited = { title: 'By the admin', author: 'Ada', owner_id: ada.id };
      expect(await postInBoth(web, id)).toEqual({
        mongo: expect.objectContaining(edited),
        cassandra: expect.objectContaining(edited),
      });
      await web.http().post(`/delete/${id}`).set(JSON_HEADERS).set(web.writer).expect(200);
      expect(await postInBoth(web, id)).toEqual({ mongo: null, cassandra: null });
    });

    it('lets an author edit and delete their own post, in both stores', async () => {
      const cy = await web.signIn('cyrus', 'author', 'Cyrus');
      const created = await cy.agent
        .post('/create')
        .type('form')
        .send({ ...postFields({ title: 'Mine' }), _csrf: cy.csrf })
        .expect(303);
      const id = (created.headers.location as string).split('/').pop()!;
      await cy.agent
        .post(`/edit/${id}`)
        .type('form')
        .send({ ...postFields({ title: 'Still mine' }), _csrf: cy.csrf })
        .expect(303);
      const mine = { title: 'Still mine', author: 'Cyrus', owner_id: cy.account.id };
      expect(await postInBoth(web, id)).toEqual({
        mongo: expect.objectContaining(mine),
        cassandra: expect.objectContaining(mine),
      });
      await cy.agent.post(`/delete/${id}`).type('form').send({ _csrf: cy.csrf }).expect(303);
      expect(await postInBoth(web, id)).toEqual({ mongo: null, cassandra: null });
    });

    it('a post from before accounts (no owner) is changed only by an admin', async () => {
      // written as the backfill copies an old post: through the phase's store, owner ''
      const now = new Date();
      const old: Post = {
        id: newId(now),
        title: 'From before accounts',
        content: 'Old text',
        author: 'Someone Long Ago',
        ownerId: '',
        createdAt: now,
        updatedAt: now,
        version: nextVersion(),
      };
      await web.app.get(PostStore).createPost(old);
      const ada = await web.tokenOf('ada', 'author', 'Ada');
      const browser = await web.signIn('ada');
      const before = await bothStores(web);

      await web
        .http()
        .post(`/edit/${old.id}`)
        .set(JSON_HEADERS)
        .set(ada)
        .send(postFields({ title: 'Claimed' }))
        .expect(403);
      await web.http().post(`/delete/${old.id}`).set(JSON_HEADERS).set(ada).expect(403);
      await browser.agent
        .post(`/edit/${old.id}`)
        .type('form')
        .send({ ...postFields({ title: 'Claimed' }), _csrf: browser.csrf })
        .expect(403);
      await unchangedSince(before);

      const admin = await web.signIn('editor', 'admin');
      await admin.agent
        .post(`/edit/${old.id}`)
        .type('form')
        .send({ ...postFields({ title: 'Tidied by an admin' }), _csrf: admin.csrf })
        .expect(303);
      const tidied = { title: 'Tidied by an admin', author: 'Someone Long Ago' };
      expect(await postInBoth(web, old.id)).toEqual({
        mongo: expect.objectContaining(tidied),
        cassandra: expect.objectContaining(tidied),
      });
      await admin.agent
        .post(`/delete/${old.id}`)
        .type('form')
        .send({ _csrf: admin.csrf })
        .expect(303);
      expect(await postInBoth(web, old.id)).toEqual({ mongo: null, cassandra: null });
    });
  });

  describe('CSRF', () => {
    it.each([
      ['without _csrf', () => ({ body: {}, headers: {} })],
      ['with a wrong _csrf', () => ({ body: { _csrf: 'x'.repeat(43) }, headers: {} })],
      [
        "with another browser's _csrf",
        (_csrf: string, other: string) => ({ body: { _csrf: other }, headers: {} }),
      ],
      [
        'from a foreign Origin',
        (csrf: string) => ({ body: { _csrf: csrf }, headers: { Origin: 'https://evil.example' } }),
      ],
      [
        'from Origin null',
        (csrf: string) => ({ body: { _csrf: csrf }, headers: { Origin: 'null' } }),
      ],
    ])('refuses a signed-in form %s with 403, changing nothing', async (_what, make) => {
      const id = await createPost(web, { title: 'Untouched' });
      const admin = await web.signIn('editor', 'admin');
      const other = await web.signIn('ada', 'author', 'Ada');
      const { body, headers } = make(admin.csrf, other.csrf);
      const before = await bothStores(web);
      const forms: Array<[string, Record<string, string>]> = [
        ['/create', postFields({ title: 'Forged' }) as unknown as Record<string, string>],
        [`/edit/${id}`, postFields({ title: 'Forged' }) as unknown as Record<string, string>],
        [`/delete/${id}`, {}],
      ];
      for (const [path, fields] of forms) {
        const response = await admin.agent
          .post(path)
          .type('form')
          .set(headers)
          .send({ ...fields, ...body });
        expect({ path, status: response.status }).toEqual({ path, status: 403 });
      }
      await unchangedSince(before);
    });
  });

  describe('sessions', () => {
    it('refuses a session cookie replayed after logout, and ends it in both stores', async () => {
      const ada = await web.signIn('ada', 'author', 'Ada');
      const jar = (await ada.agent.get('/account').expect(200)).request.cookies;
      expect(jar).toMatch(/sid=/);
      const sessions = await credentialsInBoth(web, ada.account.id);
      await ada.agent.post('/logout').type('form').send({ _csrf: ada.csrf }).expect(303);
      const after = await credentialsInBoth(web, ada.account.id);
      expect(after).toEqual({ mongo: sessions.mongo - 1, cassandra: sessions.cassandra - 1 });

      const replay = () => request(web.app.getHttpServer());
      const page = await replay().get('/account').set('Cookie', jar).expect(303);
      expect(page.headers.location).toBe('/login?next=%2Faccount');
      const before = await bothStores(web);
      const form = await replay()
        .post('/create')
        .set('Cookie', jar)
        .type('form')
        .send({ ...postFields({ title: 'After logout' }), _csrf: ada.csrf })
        .expect(303);
      expect(form.headers.location).toBe('/login?next=%2Fcreate');
      await replay()
        .post('/create')
        .set('Cookie', jar)
        .set(JSON_HEADERS)
        .send({ ...postFields({ title: 'After logout' }), _csrf: ada.csrf })
        .expect(401);
      await unchangedSince(before);
    });

    it("refuses a disabled user's token and session at their next request", async () => {
      const dora = await web.signIn('dora', 'author', 'Dora');
      const token = await web.tokenOf('dora');
      await web.http().get('/account').set(token).expect(200);
      await dora.agent.get('/account').expect(200);
      expect(await credentialsInBoth(web, dora.account.id)).toEqual({
        mongo: 2,
        cassandra: 2,
      });

      const admin = await web.signIn('editor', 'admin');
      await admin.agent
        .post('/admin/users/dora/disable')
        .type('form')
        .send({ _csrf: admin.csrf })
        .expect(303);
      expect(await accountInBoth(web, 'dora')).toEqual({
        mongo: expect.objectContaining({ disabled: true }),
        cassandra: expect.objectContaining({ disabled: true }),
      });
      expect(await credentialsInBoth(web, dora.account.id)).toEqual({
        mongo: 0,
        cassandra: 0,
      });

      const before = await bothStores(web);
      await web.http().get('/account').set(token).expect(401);
      await web.http().post('/create').set(JSON_HEADERS).set(token).send(postFields()).expect(401);
      await dora.agent.get('/account').expect(303);
      const form = await dora.agent
        .post('/create')
        .type('form')
        .send({ ...postFields(), _csrf: dora.csrf })
        .expect(303);
      expect(form.headers.location).toBe('/login?next=%2Fcreate');
      // and a disabled account cannot sign in again
      const { agent, csrf } = await web.visitor();
      await agent
        .post('/login')
        .set(JSON_HEADERS)
        .send({ username: 'dora', password: PASSWORD, _csrf: csrf })
        .expect(401);
      await unchangedSince(before);
      expect(await credentialsInBoth(web, dora.account.id)).toEqual({
        mongo: 0,
        cassandra: 0,
      });
    });
  });

  describe('sign-in throttle (LOGIN_FAILURES_PER_USERNAME=3 for this file)', () => {
    it('answers 429 with Retry-After once locked, even for the right password', async () => {
      const fay = await web.account('fay', 'author', 'Fay');
      const { agent, csrf } = await web.visitor();
      const attempt = (password: string) =>
        agent.post('/login').set(JSON_HEADERS).send({ username: 'fay', password, _csrf: csrf });
      for (let i = 0; i < 3; i++) await attempt('wrong password').expect(401);
      const locked = await attempt(PASSWORD).expect(429);
      expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
      expect(locked.body.message).toMatch(/Too many failed sign-ins/);
      expect(String(locked.headers['set-cookie'] ?? '')).not.toContain('sid=');
      // the form too: the login page again, 429, no session
      const form = await agent
        .post('/login')
        .type('form')
        .send({ username: 'FAY', password: PASSWORD, _csrf: csrf })
        .expect(429);
      expect(Number(form.headers['retry-after'])).toBeGreaterThan(0);
      expect(String(form.headers['set-cookie'] ?? '')).not.toContain('sid=');
      // no session was made in either store
      expect(await credentialsInBoth(web, fay.id)).toEqual({ mongo: 0, cassandra: 0 });
      // another username is not locked by fay's failures
      await web.signIn('gus');
    });
  });

  describe('POST /comment/:id/delete', () => {
    let browsers: { admin: Browser; author: Browser };

    beforeAll(async () => {
      browsers = {
        admin: await web.signIn('editor', 'admin'),
        author: await web.signIn('ada', 'author', 'Ada'),
      };
    });

    it('refuses authors (403) and anonymous readers (401 / 303), keeping the comment in both stores', async () => {
      const postId = await createPost(web, { title: 'Moderated' });
      const id = await addComment(web, postId, { commenter: 'Spammer', comment: 'buy now' });
      const present = await commentInBoth(web, id, postId);
      expect(present).toEqual({
        mongo: { comment: expect.objectContaining({ commenter: 'Spammer' }), tombstone: null },
        cassandra: { byId: 1, byPost: 1, tombstone: 0 },
      });
      const ada = await web.tokenOf('ada');
      const before = await bothStores(web);
      const path = `/comment/${id}/delete`;

      await web.http().post(path).set(JSON_HEADERS).set(ada).expect(403);
      const { author } = browsers;
      await author.agent.post(path).type('form').send({ _csrf: author.csrf }).expect(403);
      const anonymous = await web.http().post(path).set(JSON_HEADERS).expect(401);
      expect(anonymous.body).toMatchObject({ message: SIGN_IN_MESSAGE });
      const { agent, csrf } = await web.visitor();
      const form = await agent.post(path).type('form').send({ _csrf: csrf }).expect(303);
      expect(form.headers.location).toBe(`/login?next=${encodeURIComponent(path)}`);

      await unchangedSince(before);
      expect(await commentInBoth(web, id, postId)).toEqual(present);
    });

    it('lets an admin delete one comment (form with _csrf, JSON with bearer) from both stores', async () => {
      const postId = await createPost(web, { title: 'Moderated too' });
      const kept = await addComment(web, postId, { commenter: 'Reader', comment: 'Fine words' });
      const byForm = await addComment(web, postId, { commenter: 'Spammer', comment: 'buy' });
      const byJson = await addComment(web, postId, { commenter: 'Spammer', comment: 'buy more' });

      const { admin } = browsers;
      const page = await admin.agent.get(`/post/${postId}`).expect(200);
      expect(page.text).toContain(`action="/comment/${byForm}/delete"`);
      const done = await admin.agent
        .post(`/comment/${byForm}/delete`)
        .type('form')
        .send({ _csrf: admin.csrf })
        .expect(303);
      expect(done.headers.location).toBe(`/post/${postId}#comments`);
      const json = await web
        .http()
        .post(`/comment/${byJson}/delete`)
        .set(JSON_HEADERS)
        .set(web.writer)
        .expect(200);
      expect(json.body).toEqual({ id: byJson, deleted: true });

      for (const id of [byForm, byJson]) {
        expect(await commentInBoth(web, id, postId)).toEqual({
          mongo: { comment: null, tombstone: expect.objectContaining({ _id: id }) },
          cassandra: { byId: 0, byPost: 0, tombstone: 1 },
        });
      }
      expect(await commentInBoth(web, kept, postId)).toMatchObject({
        mongo: { comment: expect.objectContaining({ comment: 'Fine words' }), tombstone: null },
        cassandra: { byId: 1, byPost: 1, tombstone: 0 },
      });
      const api = (await web.http().get(`/api/posts/${postId}`).expect(200)).body;
      expect(api.comments.map((c: { id: string }) => c.id)).toEqual([kept]);
      // a second deletion finds nothing
      await web
        .http()
        .post(`/comment/${byJson}/delete`)
        .set(JSON_HEADERS)
        .set(web.writer)
        .expect(404);
    });
  });

  describe('POST /api/users', () => {
    const body = (username: string) => ({
      username,
      name: 'New Person',
      role: 'author',
      password: 'long enough pass',
    });

    it('201 {id} for an admin, stored in both stores; 409 for the name in any case', async () => {
      const created = await web
        .http()
        .post('/api/users')
        .set(web.writer)
        .send(body('NewUser'))
        .expect(201);
      expect(created.body).toEqual({ id: expect.stringMatching(/^[0-9a-f]{24}$/) });
      const stored = await accountInBoth(web, 'newuser');
      expect(stored).toEqual({
        mongo: expect.objectContaining({
          _id: created.body.id,
          username: 'newuser',
          name: 'New Person',
          role: 'author',
          disabled: false,
        }),
        cassandra: {
          id: created.body.id,
          username: 'newuser',
          name: 'New Person',
          role: 'author',
          passwordHash: expect.stringMatching(/^scrypt\$/),
          disabled: false,
          claimedBy: created.body.id,
        },
      });
      expect(JSON.stringify(stored)).not.toContain('long enough pass');

      const before = await bothStores(web);
      const taken = await web
        .http()
        .post('/api/users')
        .set(web.writer)
        .send({ ...body('NEWUSER'), name: 'Someone Else' })
        .expect(409);
      expect(taken.body.message).toEqual(expect.any(String));
      await unchangedSince(before);
      // and the new account signs in with its password
      const { agent, csrf } = await web.visitor();
      const signedIn = await agent
        .post('/login')
        .set(JSON_HEADERS)
        .send({ username: 'newuser', password: 'long enough pass', _csrf: csrf })
        .expect(200);
      expect(signedIn.body).toMatchObject({ id: created.body.id, role: 'author' });
    });

    it('403 for an author, 401 for anonymous, creating nothing in either store', async () => {
      const author = await web.tokenOf('ada', 'author', 'Ada');
      const before = await bothStores(web);
      await web.http().post('/api/users').set(author).send(body('by-an-author')).expect(403);
      const anonymous = await web.http().post('/api/users').send(body('by-nobody')).expect(401);
      expect(anonymous.body).toMatchObject({ message: SIGN_IN_MESSAGE });
      await unchangedSince(before);
      expect(await accountInBoth(web, 'by-an-author')).toEqual({
        mongo: null,
        cassandra: null,
      });
    });
  });
});
