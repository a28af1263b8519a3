import { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { AccountsService } from '../../../src/accounts/accounts.service';
import { CredentialsService } from '../../../src/accounts/credentials.service';
import { AppConfig, loadConfig } from '../../../src/config/app-config';
import { MigrationPhase } from '../../../src/config/migration-phase';
import { Account, Role } from '../../../src/store/account-store';
import { createTestApp, WRITER, writerOf } from '../../integration/helpers/app';
import { dropTestStores } from '../../integration/helpers/stores';
import { bearer, csrfOf, JSON_HEADERS } from '../../support/http-fixtures';
import { testEnv } from '../../support/test-env';

/** Every account's password in the e2e tier (the writer's too). */
export const PASSWORD = WRITER.password;

/** A browser that has not signed in: a supertest agent keeping its cookies, and its `_csrf`. */
export interface Visitor {
  agent: ReturnType<typeof request.agent>;
  /** the `_csrf` of its forms, bound to its `visitor` cookie */
  csrf: string;
}

/** A signed-in browser: its session cookie, and the `_csrf` of its forms (bound to the session). */
export interface Browser extends Visitor {
  account: Account;
}

export interface WebApp {
  config: AppConfig;
  app: NestExpressApplication;
  http: () => ReturnType<typeof request>;
  /** bearer headers of the app's admin `editor` (writes need a signed-in author or admin) */
  writer: Record<string, string>;
  /**
   * The account with this username, made through AccountsService (so through the phase's
   * AccountStore, into both stores in the dual phases) with PASSWORD if missing. Its display name
   * is `name`, or `<username> (name)`.
   */
  account(username: string, role?: Role, name?: string): Promise<Account>;
  /** bearer headers of a new token of the account (made if missing) */
  tokenOf(username: string, role?: Role, name?: string): Promise<Record<string, string>>;
  /** signs in through GET and POST /login, as a browser does (the account made if missing) */
  signIn(username: string, role?: Role, name?: string): Promise<Browser>;
  /** a browser that has not signed in, with the `_csrf` of its visitor cookie */
  visitor(): Promise<Visitor>;
}

/** A new browser on the app that has not signed in (GET /login gives it its visitor cookie). */
export async function visitorOf(app: NestExpressApplication): Promise<Visitor> {
  const agent = request.agent(app.getHttpServer());
  const page = await agent.get('/login').expect(200);
  return { agent, csrf: csrfOf(page.text) };
}

/** A new browser signed in as the account (whose password is PASSWORD) through /login. */
export async function signInTo(app: NestExpressApplication, account: Account): Promise<Browser> {
  const { agent, csrf } = await visitorOf(app);
  await agent
    .post('/login')
    .type('form')
    .send({ username: account.username, password: PASSWORD, _csrf: csrf })
    .expect(303);
  const page = await agent.get('/account').expect(200);
  return { agent, csrf: csrfOf(page.text), account };
}

/**
 * Boots the real app for one phase in beforeAll and closes it (dropping its keyspace and database)
 * in afterAll. `env` adds to or overrides the test environment (limits, timeouts): testEnv turns
 * the per-address rate limits off (every request comes from 127.0.0.1), the login lock-out keeps
 * its defaults (a test that signs in right is never counted). Returns a
 * holder whose fields are set once beforeAll ran.
 */
export function useWebApp(
  name: string,
  phase: MigrationPhase,
  env: Record<string, string> = {},
): WebApp {
  const holder = {} as WebApp;
  holder.account = async (username, role = 'author', displayName) => {
    const accounts = holder.app.get(AccountsService);
    const existing = await accounts.named(username);
    if (existing) return existing;
    return accounts.create({
      username,
      name: displayName ?? `${username} (name)`,
      role,
      password: PASSWORD,
    });
  };
  holder.tokenOf = async (username, role = 'author', displayName) => {
    const account = await holder.account(username, role, displayName);
    const issued = await holder.app.get(CredentialsService).issueToken(account, 'e2e');
    return bearer(issued.value);
  };
  holder.visitor = () => visitorOf(holder.app);
  holder.signIn = async (username, role = 'author', displayName) =>
    signInTo(holder.app, await holder.account(username, role, displayName));
  beforeAll(async () => {
    holder.config = loadConfig(testEnv(name, { MIGRATION_PHASE: phase, ...env }));
    holder.app = await createTestApp(holder.config);
    holder.http = () => request(holder.app.getHttpServer());
    holder.writer = await writerOf(holder.app);
  });
  afterAll(async () => {
    await holder.app?.close();
    if (holder.config) await dropTestStores(holder.config);
  });
  return holder;
}

export { bearer, createPost, csrfOf, JSON_HEADERS, postFields } from '../../support/http-fixtures';
export type { PostFields } from '../../support/http-fixtures';

/**
 * Adds a comment through the JSON variant of `POST /post/:id/comment`; returns its id. With a
 * `commenter` it comes from an anonymous reader (a visitor with its cookie and `_csrf`, as the
 * form sends it), without one from the app's writer, under its account's name (`Editor`).
 */
export async function addComment(
  web: WebApp,
  postId: string,
  fields: { commenter?: string; comment?: string } = {},
): Promise<string> {
  const body = { comment: 'Nice post.', ...fields };
  let send: request.Test;
  if (fields.commenter === undefined) {
    send = web.http().post(`/post/${postId}/comment`).set(web.writer);
  } else {
    const { agent, csrf } = await web.visitor();
    send = agent.post(`/post/${postId}/comment`).set('X-CSRF-Token', csrf);
  }
  const response = await send.set(JSON_HEADERS).send(body).expect(201);
  return (response.body as { id: string }).id;
}
