import { AuditEntry } from '../../src/audit/audit-entry';
import { AUDIT_PAGE_SIZE } from '../../src/admin/audit-view';
import { createPost, JSON_HEADERS, useControllerApp } from './helpers/controller-app';

/** /admin/audit and what the HTTP routes put into the trail (controller tier, stores in memory). */
describe('the audit trail over HTTP (controller tier)', () => {
  const web = useControllerApp('dual-write');

  async function trail(): Promise<AuditEntry[]> {
    const res = await web.http().get('/admin/audit').set(JSON_HEADERS).set(web.writer).expect(200);
    return (res.body as { entries: AuditEntry[] }).entries;
  }

  it('is for admins only: 403 for an author, 401 for nobody', async () => {
    await web
      .http()
      .get('/admin/audit')
      .set(JSON_HEADERS)
      .set(await web.tokenOf('ada'))
      .expect(403);
    await web.http().get('/admin/audit').set(JSON_HEADERS).expect(401);
  });

  it('records account changes and moderation with the account that acted, never a password', async () => {
    await web
      .http()
      .post('/api/users')
      .set(JSON_HEADERS)
      .set(web.writer)
      .send({ username: 'bob', role: 'author', password: 'a long enough secret' })
      .expect(201);
    const admin = await web.signIn('editor', 'admin');
    await admin.agent
      .post('/admin/users/bob/role')
      .type('form')
      .send({ role: 'admin', _csrf: admin.csrf })
      .expect(303);
    await admin.agent
      .post('/admin/users/bob/disable')
      .type('form')
      .send({ _csrf: admin.csrf })
      .expect(303);
    const mine = await createPost(web, { title: 'Mine' });
    const theirs = await createPost(web, { title: 'Theirs' }, await web.tokenOf('ada'));
    await web.http().post(`/delete/${mine}`).set(JSON_HEADERS).set(web.writer).expect(200);
    await web.http().post(`/delete/${theirs}`).set(JSON_HEADERS).set(web.writer).expect(200);
    const commentId = 'c'.repeat(24);
    const post = await createPost(web, { title: 'With spam' });
    web.stores.mongo.comments.set(commentId, {
      id: commentId,
      postId: post,
      commenter: 'Spam',
      comment: 'buy',
      createdAt: new Date(),
    });
    await web
      .http()
      .post(`/comment/${commentId}/delete`)
      .set(JSON_HEADERS)
      .set(web.writer)
      .expect(200);

    const entries = await trail();
    // newest first; the owner deleting their own post is no moderation
    expect(entries.map((e) => [e.actor, e.action, e.target, e.outcome])).toEqual([
      ['account:editor', 'comment.delete', commentId, 'ok'],
      ['account:editor', 'post.delete', theirs, 'ok'],
      ['account:editor', 'account.disable', 'bob', 'ok'],
      ['account:editor', 'account.role', 'bob', 'ok'],
      ['account:editor', 'account.add', 'bob', 'ok'],
    ]);
    expect(entries[1].details).toEqual({ title: 'Theirs', author: expect.any(String) });
    expect(entries[3].details).toEqual({ from: 'author', to: 'admin' });
    expect(JSON.stringify(entries)).not.toContain('a long enough secret');
    // written to both stores of the phase, the same entry
    expect(web.audit.mongo.entries.map((e) => e.id)).toEqual(
      web.audit.cassandra.entries.map((e) => e.id),
    );

    const page = await admin.agent.get('/admin/audit').expect(200);
    expect(page.text).toContain(`data-audit-id="${entries[0].id}"`);
    expect(page.text.indexOf(entries[0].id)).toBeLessThan(page.text.indexOf(entries[4].id));
    expect(page.text).toContain('account:editor');
  });

  it('records a refused change as refused', async () => {
    const admin = await web.signIn('editor', 'admin');
    await admin.agent
      .post('/admin/users/editor/role')
      .type('form')
      .send({ role: 'author', _csrf: admin.csrf })
      .expect(409);
    const [last] = await trail();
    expect(last).toMatchObject({ action: 'account.role', target: 'editor', outcome: 'refused' });
  });

  it('pages with a cursor and filters with ?since', async () => {
    const admin = await web.signIn('editor', 'admin');
    for (let i = 0; i < AUDIT_PAGE_SIZE + 3; i++) {
      await admin.agent
        .post('/admin/users/editor/disable')
        .type('form')
        .send({ _csrf: admin.csrf })
        .expect(409); // the last admin: refused, but recorded
    }
    const first = await web
      .http()
      .get('/admin/audit')
      .set(JSON_HEADERS)
      .set(web.writer)
      .expect(200);
    const body = first.body as { entries: AuditEntry[]; next: string };
    expect(body.entries).toHaveLength(AUDIT_PAGE_SIZE);
    const older = await web
      .http()
      .get(`/admin/audit?before=${body.next}`)
      .set(JSON_HEADERS)
      .set(web.writer)
      .expect(200);
    expect((older.body as { entries: AuditEntry[] }).entries).toHaveLength(3);
    const html = await admin.agent.get('/admin/audit').expect(200);
    expect(html.text).toContain(`href="/admin/audit?before=${body.next}"`);
    const future = await web
      .http()
      .get(`/admin/audit?since=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`)
      .set(JSON_HEADERS)
      .set(web.writer)
      .expect(200);
    expect((future.body as { entries: AuditEntry[] }).entries).toEqual([]);
    const hour = await web.http().get('/admin/audit?since=1h').set(JSON_HEADERS).set(web.writer);
    expect((hour.body as { entries: AuditEntry[] }).entries).toHaveLength(AUDIT_PAGE_SIZE);
  });

  it.each([
    ['since=yesterday', 'since'],
    ['since=1y', 'since'],
    ['since=2026-13-45', 'since'],
    ['since=1h&since=2h', 'since'],
    ['before=abc', 'before'],
    ['before=0001&before=0002', 'before'],
  ])('?%s: 400 naming %s', async (query, field) => {
    const res = await web.http().get(`/admin/audit?${query}`).set(JSON_HEADERS).set(web.writer);
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toContain(field);
  });
});
