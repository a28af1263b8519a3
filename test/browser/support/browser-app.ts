import { AddressInfo } from 'node:net';
import { Server } from 'node:http';
import { Browser } from 'playwright-core';
import { MigrationPhase } from '../../../src/config/migration-phase';
import { PASSWORD, WebApp, useWebApp } from '../../e2e/helpers/web-app';
import { CheckedPage, Width, launchChromium } from './checked-page';

export { PASSWORD };

/** The app under test, listening on 127.0.0.1, and one Chromium for the whole file. */
export interface BrowserApp extends WebApp {
  baseUrl: string;
  browser: Browser;
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
  env: Record<string, string> = {},
): BrowserApp {
  const web = useWebApp(name, phase, env) as BrowserApp;
  const people: CheckedPage[] = [];
  beforeAll(async () => {
    await web.app.listen(0, '127.0.0.1');
    const { port } = (web.app.getHttpServer() as Server).address() as AddressInfo;
    web.baseUrl = `http://127.0.0.1:${port}`;
    web.browser = await launchChromium();
  });
  web.person = async (width) => {
    const person = await CheckedPage.open(web.browser, width, web.baseUrl);
    people.push(person);
    return person;
  };
  afterAll(async () => {
    for (const person of people) await person.close().catch(() => undefined);
    await web.browser?.close();
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
