import { ConsoleLogger } from '@nestjs/common';
import { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import { AddressInfo } from 'node:net';
import request from 'supertest';
import { AccountsService } from '../../../src/accounts/accounts.service';
import { CredentialsService } from '../../../src/accounts/credentials.service';
import { AppModule } from '../../../src/app.module';
import { AppConfig } from '../../../src/config/app-config';
import { configureApp } from '../../../src/configure-app';
import { csrfOf } from '../../support/http-fixtures';
import { BrowserFixture, Fixtures } from './request';

/**
 * Errors the app logs, with the case that was running: a 500's cause (the filter logs it) ends up
 * in the failure message next to the request.
 */
export class CapturingLogger extends ConsoleLogger {
  current = '';
  readonly errors: { during: string; text: string }[] = [];

  override error(message: unknown, ...rest: unknown[]): void {
    const text = [message, ...rest]
      .map((part) => (part instanceof Error ? String(part.stack) : String(part)).slice(0, 600))
      .join(' ');
    this.errors.push({ during: this.current, text });
  }

  override warn(): void {
    // hostile requests make the app warn a lot; warnings are not what the suite asserts on
  }
  override log(): void {}
}

/**
 * The real app (AppModule + configureApp, as main.ts and test/integration/helpers/app.ts build
 * it) in this process, listening on a free port, so the event-loop monitor sees its loop.
 */
export async function startHostileApp(
  config: AppConfig,
  logger: CapturingLogger,
): Promise<{ app: NestExpressApplication; port: number }> {
  const moduleRef = await Test.createTestingModule({
    imports: [AppModule.forRoot(config)],
  }).compile();
  const app = moduleRef.createNestApplication<NestExpressApplication>({ logger });
  configureApp(app);
  try {
    await app.listen(0, '127.0.0.1');
  } catch (error) {
    await app.close().catch(() => undefined);
    throw error;
  }
  const { port } = app.getHttpServer().address() as AddressInfo;
  return { app, port };
}

export const FIXTURE_PASSWORD = 'hostile fixture password, never sent by a case';

function cookieValue(setCookie: string[] | string | undefined, name: string): string {
  const all = Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : [];
  const found = all.find((cookie) => cookie.startsWith(`${name}=`));
  if (!found) throw new Error(`no ${name} cookie was set`);
  return found.slice(name.length + 1).split(';')[0];
}

async function signIn(app: NestExpressApplication, username: string): Promise<BrowserFixture> {
  const agent = request.agent(app.getHttpServer());
  const page = await agent.get('/login').expect(200);
  const signedIn = await agent
    .post('/login')
    .type('form')
    .send({ username, password: FIXTURE_PASSWORD, _csrf: csrfOf(page.text) })
    .expect(303);
  const cookie = cookieValue(signedIn.headers['set-cookie'], 'sid');
  const account = await agent.get('/account').expect(200);
  return { cookie, csrf: csrfOf(account.text) };
}

/**
 * The suite's own accounts, sessions, tokens, posts and comment, made through the app before
 * the first digest: an author and an admin (each signed in and with a token), a post of each, a
 * comment, and an anonymous visitor's cookie and `_csrf`.
 */
export async function makeFixtures(app: NestExpressApplication, port: number): Promise<Fixtures> {
  const accounts = app.get(AccountsService);
  const credentials = app.get(CredentialsService);
  const usernames = { author: 'hxauthor', admin: 'hxadmin' };
  const author = await accounts.create({
    username: usernames.author,
    name: 'Hostile Author',
    role: 'author',
    password: FIXTURE_PASSWORD,
  });
  const admin = await accounts.create({
    username: usernames.admin,
    name: 'Hostile Admin',
    role: 'admin',
    password: FIXTURE_PASSWORD,
  });
  const tokens = {
    author: (await credentials.issueToken(author, 'hostile')).value,
    admin: (await credentials.issueToken(admin, 'hostile')).value,
  };
  const http = () => request(app.getHttpServer());
  const post = async (token: string, title: string) =>
    (
      (
        await http()
          .post('/create')
          .set({ Accept: 'application/json', Authorization: `Bearer ${token}` })
          .send({ title, content: 'Fixture content.' })
          .expect(201)
      ).body as { id: string }
    ).id;
  const posts = {
    author: await post(tokens.author, 'Author post'),
    admin: await post(tokens.admin, 'Admin post'),
  };
  for (let i = 0; i < 3; i++) await post(tokens.admin, `Filler ${i} \ufdfa`);
  const comment = (
    (
      await http()
        .post(`/post/${posts.author}/comment`)
        .set({ Accept: 'application/json', Authorization: `Bearer ${tokens.admin}` })
        .send({ comment: 'A fixture comment.' })
        .expect(201)
    ).body as { id: string }
  ).id;
  const visitorPage = await http().get('/login').expect(200);
  const visitor = {
    cookie: cookieValue(visitorPage.headers['set-cookie'], 'visitor'),
    csrf: csrfOf(visitorPage.text),
  };
  const sessions = {
    author: await signIn(app, usernames.author),
    admin: await signIn(app, usernames.admin),
  };
  return { port, posts, comment, usernames, tokens, sessions, visitor };
}
