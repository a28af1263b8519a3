import { NestExpressApplication } from '@nestjs/platform-express';
import { Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { Browser } from 'playwright-core';
import { AccountsService } from '../../../src/accounts/accounts.service';
import { AppConfig, loadConfig } from '../../../src/config/app-config';
import { MigrationPhase } from '../../../src/config/migration-phase';
import { Account, Role } from '../../../src/store/account-store';
import { PASSWORD } from '../../e2e/helpers/web-app';
import { createTestApp } from '../../integration/helpers/app';
import { dropTestStores } from '../../integration/helpers/stores';
import { testEnv } from '../../support/test-env';
import { CheckedPage, Width, launchChromium } from './checked-page';

export { PASSWORD };

/** The app under test, listening on 127.0.0.1, and one Chromium for the whole file. */
export interface BrowserApp {
  /** the app's environment: the CLI run with it works on the same database and keyspace */
  env: Record<string, string>;
  config: AppConfig;
  app: NestExpressApplication;
  baseUrl: string;
  browser: Browser;
  /** the account, made through AccountsService (the phase's AccountStore) with PASSWORD */
  account(username: string, role: Role, name: string): Promise<Account>;
  /** a new person (browser context) at this width, on the app's base URL */
  person(width: Width): Promise<CheckedPage>;
}

/**
 * Boots the real app (AppModule + configureApp, as the e2e tier does) on the real stores in
 * beforeAll, listening on a free port of 127.0.0.1 so a browser can reach it, and launches
 * Chromium; closes both, dropping the file's keyspace and database, in afterAll.
 */
export function useBrowserApp(
  name: string,
  phase: MigrationPhase,
  overrides: Record<string, string> = {},
): BrowserApp {
  const web = {} as BrowserApp;
  const people: CheckedPage[] = [];
  web.account = (username, role, displayName) =>
    web.app.get(AccountsService).create({ username, name: displayName, role, password: PASSWORD });
  web.person = async (width) => {
    const person = await CheckedPage.open(web.browser, width, web.baseUrl);
    people.push(person);
    return person;
  };
  beforeAll(async () => {
    web.env = testEnv(name, { MIGRATION_PHASE: phase, ...overrides });
    web.config = loadConfig(web.env);
    web.app = await createTestApp(web.config);
    await web.app.listen(0, '127.0.0.1');
    const { port } = (web.app.getHttpServer() as Server).address() as AddressInfo;
    web.baseUrl = `http://127.0.0.1:${port}`;
    web.browser = await launchChromium();
  });
  afterAll(async () => {
    for (const person of people) await person.close().catch(() => undefined);
    await web.browser?.close();
    await web.app?.close();
    if (web.config) await dropTestStores(web.config);
  });
  return web;
}

/** Signs in through the login form, as a person does; leaves the page on where it led. */
export async function signIn(person: CheckedPage, username: string): Promise<void> {
  const { page } = person;
  await person.goto('/login');
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(PASSWORD);
  await Promise.all([
    page.waitForURL((url) => url.pathname !== '/login'),
    page.getByRole('button', { name: 'Sign in' }).click(),
  ]);
}
