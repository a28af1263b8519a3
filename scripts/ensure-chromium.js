// Finds the Chromium the browser tier drives (playwright-core downloads no browser here: the
// machine reaches package registries only), and installs Debian's `chromium` package with apt
// when it is missing and we are root. Otherwise one readable line says what to run.
// Used by test/browser/support/global-setup.ts; also runnable alone: `node scripts/ensure-chromium.js`.
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const CANDIDATES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];
/** Two sessions may run apt at once: dpkg's lock is retried this often, a few seconds apart. */
const APT_TRIES = 30;
const APT_RETRY_MS = 10_000;

function executable(file) {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** The first candidate on PATH, or undefined. */
function onPath(searchPath = '') {
  const dirs = searchPath.split(path.delimiter).filter(Boolean);
  for (const name of CANDIDATES) {
    for (const dir of dirs) {
      const file = path.join(dir, name);
      if (executable(file)) return file;
    }
  }
  return undefined;
}

function sleep(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function runApt(args) {
  return spawnSync('apt-get', args, {
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Runs an apt command, waiting while another process holds dpkg's or apt's lock. */
function apt(args, run = runApt, retryMs = APT_RETRY_MS) {
  for (let attempt = 1; ; attempt++) {
    const result = run(args);
    if (result.status === 0) return;
    const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
    if (/Could not get lock|Unable to acquire|is another process using it/i.test(output)) {
      if (attempt < APT_TRIES) {
        sleep(retryMs);
        continue;
      }
    }
    const last = output.trim().split('\n').slice(-3).join(' | ');
    throw new Error(`apt-get ${args.join(' ')} failed (status ${result.status}): ${last}`);
  }
}

/**
 * The path of a Chromium to drive: CHROMIUM_PATH when set (it must exist), else one on PATH,
 * else Debian's package installed now (root only). Throws one line saying what to do otherwise.
 * The options exist for the unit test (scripts/ensure-chromium.spec.ts).
 */
function ensureChromium({
  env = process.env,
  log = (line) => console.log(line),
  isRoot = typeof process.getuid === 'function' && process.getuid() === 0,
  hasApt = () => spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status === 0,
  runApt: run = runApt,
  retryMs = APT_RETRY_MS,
} = {}) {
  const chosen = env.CHROMIUM_PATH;
  if (chosen) {
    if (!executable(chosen)) throw new Error(`CHROMIUM_PATH=${chosen} is not an executable file`);
    return chosen;
  }
  const found = onPath(env.PATH);
  if (found) return found;
  if (!isRoot || !hasApt()) {
    throw new Error(
      'the browser tests need Chromium: run `sudo apt-get update && sudo apt-get install -y chromium` ' +
        '(Debian/Ubuntu) or set CHROMIUM_PATH to a Chromium or Chrome executable',
    );
  }
  log('chromium not found: installing Debian package `chromium` with apt-get (once)');
  const started = Date.now();
  apt(['update', '-q'], run, retryMs);
  apt(['install', '-y', '-q', '--no-install-recommends', 'chromium'], run, retryMs);
  const installed = onPath(env.PATH);
  if (!installed) throw new Error('apt-get installed chromium but no chromium is on PATH');
  log(`chromium installed in ${((Date.now() - started) / 1000).toFixed(0)}s: ${installed}`);
  return installed;
}

module.exports = { ensureChromium };

if (require.main === module) {
  try {
    console.log(ensureChromium());
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  }
}
