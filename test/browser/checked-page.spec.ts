import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Browser } from 'playwright-core';
import { CheckedPage, SCREENSHOT_DIR, launchChromium } from './support/checked-page';

/**
 * The checks the blog and dashboard scenarios rely on can fail: a page with a console error, an
 * uncaught exception, a missing resource, an image without text, unreadable contrast or a
 * layout wider than a phone is refused, each named. The pages are served by Playwright's router
 * at a made-up origin, so no app is needed.
 */
const ORIGIN = 'http://checks.invalid';
let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

async function pageServing(html: string): Promise<CheckedPage> {
  const person = await CheckedPage.open(browser, 390, ORIGIN);
  await person.context.route(`${ORIGIN}/**`, (route) =>
    new URL(route.request().url()).pathname === '/'
      ? route.fulfill({ contentType: 'text/html', body: html })
      : route.fulfill({ status: 404, body: 'not here' }),
  );
  await person.goto('/');
  return person;
}

const CLEAN = `<!doctype html><html lang="en"><head><title>Fine</title></head>
  <body><main><h1>Fine</h1><p>Readable text.</p></main></body></html>`;

it('passes a clean page and keeps its screenshot', async () => {
  const file = join(SCREENSHOT_DIR, 'checker-clean-390.png');
  rmSync(file, { force: true });
  const person = await pageServing(CLEAN);
  await person.check('checker-clean');
  expect(existsSync(file)).toBe(true);
  await person.close();
});

it('refuses console errors, uncaught exceptions, missing resources, axe violations and overflow', async () => {
  const person = await pageServing(`<!doctype html><html lang="en"><head><title>Bad</title>
    <link rel="stylesheet" href="/missing.css"></head><body><main>
    <h1>Bad</h1>
    <img src="/pixel.png">
    <p style="color:#ddd;background:#fff">Barely readable</p>
    <div style="width:900px">Too wide for a phone</div>
    <script>console.error('boom'); setTimeout(() => { throw new Error('kaput'); });</script>
    </main></body></html>`);
  await person.page.waitForTimeout(200);
  const error = await failureOf(person.check('checker-bad'));
  expect(error).toContain('console error on http://checks.invalid/: boom');
  expect(error).toContain('uncaught Error on http://checks.invalid/: kaput');
  expect(error).toContain('GET http://checks.invalid/missing.css answered 404');
  expect(error).toMatch(/axe critical image-alt .* at img/);
  expect(error).toMatch(/axe serious color-contrast .* at p/);
  expect(error).toContain('wider than the 390px viewport');
  // the problems were reported once: the same page checked again is clean of them
  const again = await failureOf(person.check('checker-bad'));
  expect(again).toMatch(/axe critical image-alt/);
  expect(again).not.toContain('boom');
  await person.close();
});

async function failureOf(check: Promise<void>): Promise<string> {
  return check.then(
    () => 'no failure',
    (e: unknown) => (e as Error).message,
  );
}
