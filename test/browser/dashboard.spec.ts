import { join } from 'node:path';
import { PhaseControl } from '../../src/control/phase-control';
import { sleep } from '../support/http-poll';
import { insertDataset, makeDataset, startCli } from '../integration/helpers/migration';
import { withMongo } from '../integration/helpers/stores';
import { CheckedPage, WIDTHS } from './support/checked-page';
import { signIn, useBrowserApp } from './support/browser-app';

/**
 * The dashboard during a backfill, kept in the docs (docs/dashboard.md links them): rewritten
 * only with BROWSER_DOCS_SCREENSHOTS=1, so a test run leaves the working tree as it was; every
 * run keeps its own copy in test-results/screenshots.
 */
const DOCS_IMAGES =
  process.env.BROWSER_DOCS_SCREENSHOTS === '1' ? join(__dirname, '../../docs/images') : undefined;
/** Records in MongoDB before dual-write began, copied at BACKFILL_RATE: about 10 s a backfill. */
const POSTS = 500;
const COMMENTS = 500;
const BACKFILL_RATE = 100;

/**
 * /admin/migration in Chromium at a phone's and a desktop's width, on the real stores in
 * dual-write, as an admin uses it: changes the phase (dual-write → mongo and back) through the
 * review and confirmation pages, sees the gate refuse cassandra-primary before a backfill (409,
 * the failed check shown, the phase unchanged), and watches a backfill run by the CLI progress
 * through the page's Refresh link. Every page goes through CheckedPage.check (console, axe-core,
 * width). Going back to mongo makes the earlier backfill stale, so each width starts from "no
 * usable backfill" and the refusal holds at both.
 */
const web = useBrowserApp('browser_dash', 'dual-write', {
  // nothing repairs behind the test's back; what the page shows is the CLI's work
  HINT_RETRY_INTERVAL: '0',
  RECONCILE_INTERVAL: '0',
});

beforeAll(async () => {
  await web.account('grace', 'admin', 'Grace Hopper');
  await withMongo(web.config, (db) => insertDataset(db, makeDataset(POSTS, COMMENTS, 'before')));
}, 120_000);

describe.each(WIDTHS)('the migration dashboard at %ipx', (width) => {
  let admin: CheckedPage;

  beforeAll(async () => {
    admin = await web.person(width);
    await signIn(admin, 'grace');
  });

  async function review(target: string): Promise<void> {
    const { page } = admin;
    await admin.goto('/admin/migration');
    await page.getByLabel('Move the fleet to').selectOption(target);
    await page.getByRole('button', { name: 'Review this step' }).click();
    await page.waitForURL('**/admin/migration/phase');
    expect(await page.locator('#phase-step').getAttribute('data-to')).toBe(target);
  }

  async function confirm(target: string): Promise<number> {
    const { page } = admin;
    const [response] = await Promise.all([
      // the live gate may run a full verify and wait up to 10 s for hints to drain
      page.waitForResponse((r) => r.url().endsWith('/admin/migration/phase/confirm'), {
        timeout: 90_000,
      }),
      page
        .getByRole('button', { name: `Move the fleet to ${target}` })
        .click({ noWaitAfter: true }),
    ]);
    await page.waitForLoadState('load');
    return response.status();
  }

  /** Clicks Refresh until `done` holds (every 500 ms, up to 20 s). */
  async function refreshUntil(done: () => Promise<boolean>): Promise<void> {
    const until = Date.now() + 20_000;
    while (!(await done())) {
      if (Date.now() > until) throw new Error('the dashboard did not show it within 20 s');
      await sleep(500);
      await admin.page.getByRole('link', { name: 'Refresh', exact: true }).click();
      await admin.page.waitForLoadState('load');
    }
  }

  async function shownPhase(): Promise<string | null> {
    return admin.page.locator('#phase .phase-name').getAttribute('data-phase');
  }

  it('changes the phase dual-write → mongo and back through the confirmation page', async () => {
    const { page } = admin;
    await admin.goto('/admin/migration');
    expect(await shownPhase()).toBe('dual-write');
    await admin.check('dashboard');

    await review('mongo');
    await admin.check('dashboard-confirm');
    expect(await confirm('mongo')).toBe(303);
    await page.waitForURL((url) => url.pathname === '/admin/migration');
    expect(await page.locator('[data-flash="phaseChanged"]').count()).toBe(1);
    expect(await shownPhase()).toBe('mongo');
    expect((await web.app.get(PhaseControl).read()).phase).toBe('mongo');
    await admin.check('dashboard-mongo');

    await review('dual-write');
    expect(await confirm('dual-write')).toBe(303);
    expect(await shownPhase()).toBe('dual-write');
    expect((await web.app.get(PhaseControl).read()).phase).toBe('dual-write');
    // as an operator would: refresh until this instance reports that it follows (about a poll)
    await refreshUntil(async () => (await page.locator('#instances li.bad').count()) === 0);
  });

  it('shows the gate refusing cassandra-primary before a backfill, and changes nothing', async () => {
    const { page } = admin;
    await review('cassandra-primary');
    expect(await confirm('cassandra-primary')).toBe(409);
    const refused = page.locator('#phase-refused');
    expect(await refused.textContent()).toContain('The gate refused this step; nothing changed.');
    const failed = refused.locator('[data-check]');
    const names = await failed.evaluateAll((items) =>
      items.map((item) => item.getAttribute('data-check')),
    );
    // what blocks is the backfill (none yet, or one from before the phase went back to mongo),
    // with the verify that cannot be clean without one; never this instance lagging behind
    expect(names).toContain('backfill mongo → cassandra');
    expect(names).not.toContain('instances');
    await admin.check('dashboard-refused', { status: 409 });
    expect((await web.app.get(PhaseControl).read()).phase).toBe('dual-write');
    await page.getByRole('link', { name: 'Back to the dashboard' }).click();
    expect(await shownPhase()).toBe('dual-write');
  });

  it('shows a backfill run by the CLI progressing, through its Refresh link', async () => {
    const { page } = admin;
    await admin.goto('/admin/migration');
    const backfill = startCli(
      web.env,
      'migrate',
      'backfill',
      '--restart',
      // pages of 100 records (at least 8 × the concurrency): the checkpoint, and so the page,
      // moves about once a second
      '--concurrency',
      '8',
      '--rate',
      `${BACKFILL_RATE}`,
    );
    let exited = false;
    void backfill.done.then(() => (exited = true));
    const seen: number[] = [];
    let kept = false;
    const heading = page.locator('#backfill-mongo-cassandra h3');
    while (!exited) {
      await sleep(700);
      await page.getByRole('link', { name: 'Refresh', exact: true }).click();
      await page.waitForLoadState('load');
      if ((await heading.count()) === 0) continue;
      const title = (await heading.textContent()) ?? '';
      const copied = await page.locator('#backfill-mongo-cassandra .backfill-copied').textContent();
      const count = Number(/^[\d,]+/.exec(copied ?? '')?.[0].replace(/,/g, '') ?? NaN);
      if (title.includes('copying') && count > 0) {
        seen.push(count);
        if (!kept && (await page.locator('#backfill-mongo-cassandra progress').count()) === 1) {
          // the page mid-backfill: progress bar, rate and ETA, kept for the docs
          await admin.check('dashboard-backfill', {
            ...(DOCS_IMAGES && { alsoTo: join(DOCS_IMAGES, `dashboard-backfill-${width}.png`) }),
          });
          kept = true;
        }
      }
    }
    const run = await backfill.done;
    if (run.status !== 0) throw new Error(`backfill failed (${run.status}): ${run.stderr}`);
    console.log(
      `${width}px: the page showed ${seen.join(', ')} records copied; ${run.stdout.trim()}`,
    );
    // the page showed the count growing while the CLI copied
    expect(kept).toBe(true);
    expect(seen.length).toBeGreaterThanOrEqual(2);
    expect(seen[seen.length - 1]).toBeGreaterThan(seen[0]);
    await page.getByRole('link', { name: 'Refresh', exact: true }).click();
    await page.waitForLoadState('load');
    expect(await heading.textContent()).toContain('complete');
    await admin.check('dashboard-backfilled');
  });
});
