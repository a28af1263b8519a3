import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

interface AptResult {
  status: number | null;
  stdout: string;
  stderr: string;
}
interface Options {
  env?: Record<string, string | undefined>;
  log?: (line: string) => void;
  isRoot?: boolean;
  hasApt?: () => boolean;
  runApt?: (args: string[]) => AptResult;
  retryMs?: number;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { ensureChromium } = require('./ensure-chromium.js') as {
  ensureChromium(options?: Options): string;
};

/** Finds or installs the browser tier's Chromium, never on this machine's real PATH or apt. */
describe('ensureChromium', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ensure-chromium-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function fakeBrowser(name: string, mode = 0o755): string {
    const file = join(dir, name);
    writeFileSync(file, '#!/bin/sh\n');
    chmodSync(file, mode);
    return file;
  }
  const noApt = () => {
    throw new Error('apt must not run');
  };
  const quiet = () => undefined;

  it('takes CHROMIUM_PATH when it is an executable, without looking further', () => {
    const file = fakeBrowser('my-chrome');
    expect(ensureChromium({ env: { CHROMIUM_PATH: file, PATH: '' }, runApt: noApt })).toBe(file);
  });

  it('refuses a CHROMIUM_PATH that is not executable, in one line', () => {
    const file = fakeBrowser('not-runnable', 0o644);
    expect(() => ensureChromium({ env: { CHROMIUM_PATH: file }, runApt: noApt })).toThrow(
      `CHROMIUM_PATH=${file} is not an executable file`,
    );
  });

  it('finds chromium on PATH before installing anything', () => {
    const file = fakeBrowser('chromium');
    expect(ensureChromium({ env: { PATH: `/nonexistent:${dir}` }, runApt: noApt })).toBe(file);
  });

  it('says what to run when it may not install (not root, or no apt)', () => {
    for (const options of [
      { isRoot: false, hasApt: () => true },
      { isRoot: true, hasApt: () => false },
    ]) {
      expect(() => ensureChromium({ env: { PATH: dir }, runApt: noApt, ...options })).toThrow(
        /^the browser tests need Chromium: run `sudo apt-get update && sudo apt-get install -y chromium`/,
      );
    }
  });

  it('as root, runs apt-get update and install, waiting while another apt holds the lock', () => {
    const calls: string[] = [];
    let locked = 2;
    const runApt = (args: string[]): AptResult => {
      calls.push(args.join(' '));
      if (args[0] === 'install' && locked-- > 0) {
        return {
          status: 100,
          stdout: '',
          stderr: 'E: Could not get lock /var/lib/dpkg/lock-frontend',
        };
      }
      if (args[0] === 'install') fakeBrowser('chromium');
      return { status: 0, stdout: '', stderr: '' };
    };
    const found = ensureChromium({
      env: { PATH: dir },
      isRoot: true,
      hasApt: () => true,
      runApt,
      retryMs: 1,
      log: quiet,
    });
    expect(found).toBe(join(dir, 'chromium'));
    expect(calls).toEqual([
      'update -q',
      ...Array(3).fill('install -y -q --no-install-recommends chromium'),
    ]);
  });

  it('reports a failed install with apt’s last lines', () => {
    const runApt = (args: string[]): AptResult =>
      args[0] === 'install'
        ? { status: 100, stdout: '', stderr: 'E: Unable to locate package chromium' }
        : { status: 0, stdout: '', stderr: '' };
    expect(() =>
      ensureChromium({ env: { PATH: dir }, isRoot: true, hasApt: () => true, runApt, log: quiet }),
    ).toThrow(
      'apt-get install -y -q --no-install-recommends chromium failed (status 100): E: Unable to locate package chromium',
    );
  });
});
