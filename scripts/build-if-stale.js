// Builds the app (tsc -p tsconfig.build.json into dist/) when a source file is newer than the
// last build, so a command starts from compiled JavaScript instead of compiling TypeScript at
// every run (ts-node cost about 2.3 s and 200 MiB before any work). One build at a time: a second
// process waits for the first one's build (a lock directory), then finds it fresh.
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const ROOT = path.join(__dirname, '..');
const STAMP = path.join(ROOT, 'dist', '.build-stamp');
const LOCK = path.join(ROOT, 'dist', '.build-lock');
const INPUTS = ['src', 'scripts', 'tsconfig.json', 'tsconfig.build.json', 'package-lock.json'];
/** A lock older than this belongs to a build that died: take it over. */
const STALE_LOCK_MS = 5 * 60_000;

/** The newest modification time among the build's inputs (TypeScript sources and configs). */
function newestInput() {
  let newest = 0;
  const visit = (file) => {
    let stat;
    try {
      stat = fs.statSync(file);
    } catch {
      return;
    }
    if (stat.isDirectory()) {
      for (const entry of fs.readdirSync(file)) visit(path.join(file, entry));
    } else if (/\.(ts|json)$/.test(file) && !file.endsWith('.spec.ts')) {
      newest = Math.max(newest, stat.mtimeMs);
    }
  };
  for (const input of INPUTS) visit(path.join(ROOT, input));
  return newest;
}

function builtAt() {
  try {
    return fs.statSync(STAMP).mtimeMs;
  } catch {
    return 0;
  }
}

const fresh = () => builtAt() >= newestInput();

function sleep(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Takes the build lock, waiting for another process's build; false when that build made it fresh. */
function lock() {
  fs.mkdirSync(path.dirname(LOCK), { recursive: true });
  for (;;) {
    try {
      fs.mkdirSync(LOCK);
      return true;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
    }
    try {
      if (Date.now() - fs.statSync(LOCK).mtimeMs > STALE_LOCK_MS)
        fs.rmSync(LOCK, { force: true, recursive: true });
    } catch {
      // released meanwhile
    }
    sleep(200);
    if (fresh()) return false;
  }
}

function buildIfStale() {
  if (fresh() || !lock()) return;
  try {
    if (fresh()) return;
    const started = Date.now();
    process.stderr.write('building the app (its sources changed since the last build)...\n');
    const tsc = require.resolve('typescript/bin/tsc');
    const run = spawnSync(process.execPath, [tsc, '-p', path.join(ROOT, 'tsconfig.build.json')], {
      cwd: ROOT,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    if (run.status !== 0) {
      process.stderr.write('error: the build failed (see above); nothing was run\n');
      process.exit(1);
    }
    const stampTime = new Date(started);
    fs.writeFileSync(STAMP, `${stampTime.toISOString()}\n`);
    // the stamp is the moment the build began: a source saved during the build counts as newer
    fs.utimesSync(STAMP, stampTime, stampTime);
    process.stderr.write(`built in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  } finally {
    fs.rmSync(LOCK, { force: true, recursive: true });
  }
}

module.exports = { buildIfStale };

if (require.main === module) buildIfStale();
