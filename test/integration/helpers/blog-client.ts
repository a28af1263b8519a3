import { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { csrfOf } from '../../support/http-fixtures';
import { TestAccount, WRITER, tokenOf } from './app';

/** Who a BlogClient writes as: bearer headers and the display name posts get as their author. */
export interface Writer {
  headers: Record<string, string>;
  name: string;
}

/** An anonymous browser's proof for its forms: the `visitor` cookie and the `_csrf` bound to it. */
export interface Visitor {
  cookie: string;
  csrf: string;
}

/**
 * The blog's JSON write API as a client sees it (form routes with Accept: application/json).
 * Posts are written as `writer` (a bearer token: an admin, so it may edit and delete any post,
 * including those from before accounts); the post's author is the writer's display name.
 * `comment` comments anonymously under a typed name (the visitor cookie and its `_csrf`, as a
 * browser sends them); `commentSignedIn` under the writer's name.
 */
export class BlogClient {
  constructor(
    /** the app in this process, or the URL of one in another (test/faults) */
    private readonly app: BlogTarget,
    readonly writer: Writer,
    private readonly visitor: Visitor,
  ) {}

  /** A client of the app process at `url`, writing as `writer` (bearer headers from the CLI). */
  static async at(url: string, writer: Writer): Promise<BlogClient> {
    return new BlogClient(url, writer, await visitorOf(url));
  }

  /**
   * A client of `app` signed in as `who` (by default the test writer WRITER, an admin; made in
   * the app's stores on first use, every instance of a test shares it), with an anonymous
   * visitor for comments.
   */
  static async of(
    app: NestExpressApplication,
    who: TestAccount = { ...WRITER, role: 'admin' },
  ): Promise<BlogClient> {
    const headers = await tokenOf(app, who);
    return new BlogClient(app, { headers, name: who.name }, await visitorOf(app));
  }

  private post(path: string, body: object) {
    return request(serverOf(this.app))
      .post(path)
      .set('Accept', 'application/json')
      .set(this.writer.headers)
      .send(body);
  }

  create(body: { title: string; content: string }) {
    return this.post('/create', body);
  }
  edit(id: string, body: { title: string; content: string; version?: string }) {
    return this.post(`/edit/${id}`, body);
  }
  /** An anonymous reader's comment (no bearer token: the visitor cookie and `_csrf`). */
  comment(id: string, body: { commenter: string; comment: string }) {
    return request(serverOf(this.app))
      .post(`/post/${id}/comment`)
      .set('Accept', 'application/json')
      .set('Cookie', this.visitor.cookie)
      .send({ ...body, _csrf: this.visitor.csrf });
  }
  /** The writer's comment: its commenter is the writer's display name. */
  commentSignedIn(id: string, body: { comment: string }) {
    return this.post(`/post/${id}/comment`, body);
  }
  delete(id: string) {
    return this.post(`/delete/${id}`, {});
  }
  deleteComment(id: string) {
    return this.post(`/comment/${id}/delete`, {});
  }
  /** `POST /api/users` (the writer is an admin): 201 {id}, or 409 when the username is taken. */
  createAccount(body: { username: string; name?: string; role: string; password: string }) {
    return this.post('/api/users', body);
  }
  /** An admin's change of an account (`/admin/users/:username/...`, JSON with the bearer token). */
  changeAccount(username: string, change: { role: string } | 'disable' | 'enable') {
    const path = `/admin/users/${encodeURIComponent(username)}`;
    return typeof change === 'string'
      ? this.post(`${path}/${change}`, {})
      : this.post(`${path}/role`, change);
  }
  get(path: string) {
    return request(serverOf(this.app)).get(path);
  }
  /** creates a post and returns its id (fails the test on anything but 201) */
  async createdId(title: string): Promise<string> {
    const res = await this.create({ title, content: `Content of ${title}` }).expect(201);
    return (res.body as { id: string }).id;
  }
}

/** Where a BlogClient sends its requests: an app in this process, or an app process's URL. */
export type BlogTarget = NestExpressApplication | string;

function serverOf(target: BlogTarget) {
  return typeof target === 'string' ? target : target.getHttpServer();
}

/** An anonymous browser's visitor cookie and the `_csrf` of its forms (from GET /login). */
export async function visitorOf(app: BlogTarget): Promise<Visitor> {
  const page = await request(serverOf(app)).get('/login').expect(200);
  const cookies = ([] as string[]).concat(page.headers['set-cookie'] ?? []);
  const visitor = cookies.map((c) => c.split(';')[0]).find((c) => c.startsWith('visitor='));
  if (!visitor) throw new Error(`GET /login set no visitor cookie: ${cookies.join(' | ')}`);
  return { cookie: visitor, csrf: csrfOf(page.text) };
}

/** A browser signed in as WRITER through POST /login: its agent (cookies kept) and `_csrf`. */
export async function signedInBrowser(app: NestExpressApplication) {
  await tokenOf(app, { ...WRITER, role: 'admin' }); // the account exists
  const agent = request.agent(app.getHttpServer());
  const login = await agent.get('/login').expect(200);
  await agent
    .post('/login')
    .type('form')
    .send({ username: WRITER.username, password: WRITER.password, _csrf: csrfOf(login.text) })
    .expect(303);
  const page = await agent.get('/account').expect(200);
  return { agent, csrf: csrfOf(page.text) };
}
