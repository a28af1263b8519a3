import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Browser, BrowserContext, Page, chromium } from 'playwright-core';

const ROOT = join(__dirname, '../../..');
/** Screenshots are CI output (test-results/ is ignored by git), one per scenario and width. */
export const SCREENSHOT_DIR = join(ROOT, 'test-results', 'screenshots');
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
/** The impacts that fail a page; minor and moderate ones are logged by axe but not enforced. */
const FAILING_IMPACTS = new Set(['serious', 'critical']);

/** The two widths every scenario runs at: a phone and a desktop. */
export const WIDTHS = [390, 1280] as const;
export type Width = (typeof WIDTHS)[number];

/** Launches the Chromium global-setup found (CHROMIUM_PATH), headless. */
export function launchChromium(): Promise<Browser> {
  const executablePath = process.env.CHROMIUM_PATH;
  if (!executablePath)
    throw new Error('CHROMIUM_PATH is not set: run the browser tier through jest');
  return chromium.launch({
    executablePath,
    headless: true,
    // Chromium's sandbox refuses to run as root (CI containers); the pages are our own
    chromiumSandbox: process.getuid?.() !== 0,
  });
}

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
}

/**
 * A page of one browser context at one width that records every console error and uncaught
 * exception; `check` then fails on any, runs axe-core and keeps a screenshot.
 */
export class CheckedPage {
  private problems: string[] = [];

  private constructor(
    readonly context: BrowserContext,
    readonly page: Page,
    readonly width: Width,
    readonly baseUrl: string,
  ) {
    page.on('console', (message) => {
      if (message.type() === 'error')
        this.problems.push(`console error on ${page.url()}: ${message.text()}`);
    });
    page.on('pageerror', (error) =>
      this.problems.push(`uncaught ${error.name} on ${page.url()}: ${error.message}`),
    );
    // the console names no URL for a failed resource: say which one it was
    page.on('response', (response) => {
      const request = response.request();
      if (response.status() >= 400 && !request.isNavigationRequest()) {
        this.problems.push(`${request.method()} ${response.url()} answered ${response.status()}`);
      }
    });
    // a missing element fails the test in seconds, not after Playwright's default 30 s
    page.setDefaultTimeout(10_000);
  }

  /** A new browser context (its own cookies: one person) with one page at this width. */
  static async open(browser: Browser, width: Width, baseUrl: string): Promise<CheckedPage> {
    const context = await browser.newContext({
      viewport: { width, height: width < 600 ? 844 : 900 },
      baseURL: baseUrl,
    });
    return new CheckedPage(context, await context.newPage(), width, baseUrl);
  }

  async goto(path: string): Promise<void> {
    const response = await this.page.goto(path);
    if (!response || response.status() >= 400) {
      throw new Error(`GET ${path} answered ${response?.status() ?? 'nothing'}`);
    }
  }

  /**
   * The page as it stands must have raised no console error or exception since the last check,
   * and axe-core must find no serious or critical violation; a full-page screenshot goes to
   * test-results/screenshots/<scenario>-<width>.png whatever the outcome, so a failure can be seen
   * (and to `alsoTo` when given). `status`: the page is an error answer on purpose (a refused
   * step's 409); Chromium logs a document's 4xx as a console error, and that one is expected.
   */
  async check(scenario: string, options: { status?: number; alsoTo?: string } = {}): Promise<void> {
    await this.page.waitForLoadState('load');
    const file = join(SCREENSHOT_DIR, `${scenario}-${this.width}.png`);
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    await this.page.screenshot({ path: file, fullPage: true });
    if (options.alsoTo) {
      mkdirSync(dirname(options.alsoTo), { recursive: true });
      await this.page.screenshot({ path: options.alsoTo, fullPage: true });
    }
    const violations = await this.axe();
    const failing = violations.filter((v) => v.impact !== null && FAILING_IMPACTS.has(v.impact));
    const expected = options.status
      ? `console error on ${this.page.url()}: Failed to load resource: the server responded with a status of ${options.status} `
      : undefined;
    const problems = [
      ...this.problems.filter((problem) => !expected || !problem.startsWith(expected)),
      ...failing.map((v) => `axe ${v.impact} ${v.id} (${v.help}) at ${v.targets.join(', ')}`),
      ...(await this.overflow()),
    ];
    this.problems = [];
    if (problems.length) {
      throw new Error(
        `${scenario} at ${this.width}px (${this.page.url()}):\n  ${problems.join('\n  ')}`,
      );
    }
  }

  /**
   * axe-core's violations on the current page. Its source is evaluated through the DevTools
   * protocol rather than added as a <script> tag: the app's CSP (rightly) refuses inline scripts,
   * and that refusal would itself be a console error.
   */
  private async axe(): Promise<AxeViolation[]> {
    await this.page.evaluate(AXE_SOURCE);
    return this.page.evaluate(`
      axe.run(document, { resultTypes: ['violations'] }).then((result) =>
        result.violations.map((v) => ({
          id: v.id,
          impact: v.impact,
          help: v.help,
          targets: v.nodes.map((node) => node.target.join(' ')),
        })),
      )
    `) as Promise<AxeViolation[]>;
  }

  /** A page wider than the viewport scrolls sideways: unreadable on a phone. */
  private async overflow(): Promise<string[]> {
    const scrollWidth = (await this.page.evaluate(
      'document.documentElement.scrollWidth',
    )) as number;
    return scrollWidth > this.width
      ? [`the page is ${scrollWidth}px wide, wider than the ${this.width}px viewport`]
      : [];
  }

  async close(): Promise<void> {
    await this.context.close();
  }
}
