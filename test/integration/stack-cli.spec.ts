import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePortFrom } from '../support/http-poll';
import { testStackEnv } from '../support/test-stack';

const ROOT = path.resolve(__dirname, '..', '..');

/** Runs `npm run stack -- …` the way a user does (through its launcher), returning its output. */
function stack(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(
    process.execPath,
    [path.join(ROOT, 'scripts', 'run-stack.js'), ...args],
    {
      cwd: ROOT,
      env: { ...process.env, ...testStackEnv(), ...env },
      encoding: 'utf8',
      timeout: 120_000,
    },
  );
  return { code: result.status, stdout: result.stdout.trim(), stderr: result.stderr.trim() };
}

function requireManagedStack(): void {
  if (process.env.TEST_STACK_MANAGED !== '1') {
    throw new Error(
      'these tests drive the test stack; unset TEST_MONGO_URL/TEST_CASSANDRA_CONTACT_POINTS',
    );
  }
}

describe('npm run stack (real servers of the test stack)', () => {
  beforeAll(requireManagedStack);

  it('status reports both servers ready with their port and resident memory', () => {
    const { code, stdout } = stack(['status']);
    expect(code).toBe(0);
    const env = testStackEnv();
    expect(stdout).toMatch(
      new RegExp(
        `^cassandra\\s+ready\\s+127\\.0\\.0\\.1:${env.STACK_CASSANDRA_PORT}\\s+pid \\d+\\s+rss \\d+ MiB`,
        'm',
      ),
    );
    expect(stdout).toMatch(
      new RegExp(
        `^ferretdb\\s+ready\\s+127\\.0\\.0\\.1:${env.STACK_MONGO_PORT}\\s+pid \\d+\\s+rss \\d+ MiB`,
        'm',
      ),
    );
  });

  it('up on a running stack does nothing', () => {
    const before = stack(['status']).stdout.match(/pid (\d+)/g);
    const { code, stdout } = stack(['up']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^cassandra\s+already running/m);
    expect(stdout).toMatch(/^ferretdb\s+already running/m);
    expect(stack(['status']).stdout.match(/pid (\d+)/g)).toEqual(before);
  });

  it('a busy port gives one clear line and starts nothing', () => {
    const other = fs.mkdtempSync(path.join(os.tmpdir(), 'stack-busy-'));
    // on SQLite, so that FerretDB's own port is the first one checked (not PostgreSQL's)
    const { code, stdout, stderr } = stack(['up', 'mongo'], {
      STACK_DIR: other,
      STACK_MONGO: 'ferretdb-sqlite',
    });
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr.split('\n')).toHaveLength(1);
    expect(stderr).toMatch(
      /^stack: ferretdb: port 127\.0\.0\.1:\d+ is already in use by a process this stack did not start/,
    );
    expect(fs.existsSync(path.join(other, 'ferretdb', 'ferretdb.pid'))).toBe(false);
  });

  it('on PostgreSQL, a busy FerretDB port is refused before PostgreSQL starts', async () => {
    const other = fs.mkdtempSync(path.join(os.tmpdir(), 'stack-busy-pg-'));
    const { code, stderr } = stack(['up', 'mongo'], {
      STACK_DIR: other,
      STACK_MONGO: 'ferretdb-postgres',
      // below the ephemeral range, which the stack refuses; 5472 is stack-postgres.spec's
      STACK_POSTGRES_PORT: String(await freePortFrom(5480)),
    });
    expect(code).toBe(1);
    expect(stderr).toMatch(
      /^stack: ferretdb: port 127\.0\.0\.1:\d+ is already in use by a process this stack did not start/,
    );
    expect(fs.existsSync(path.join(other, 'postgres', 'postgres.pid'))).toBe(false);
  });

  it('down only stops processes the stack started: a stale pid file naming another process is ignored', () => {
    const other = fs.mkdtempSync(path.join(os.tmpdir(), 'stack-stale-'));
    fs.mkdirSync(path.join(other, 'ferretdb'), { recursive: true });
    // this jest process is alive but is not a FerretDB of that folder
    fs.writeFileSync(path.join(other, 'ferretdb', 'ferretdb.pid'), `${process.pid}\n`);
    const { code, stdout } = stack(['down', 'mongo'], {
      STACK_DIR: other,
      STACK_MONGO: 'ferretdb-sqlite',
    });
    expect(code).toBe(0);
    expect(stdout).toBe('ferretdb   was not running');
    expect(fs.existsSync(path.join(other, 'ferretdb', 'ferretdb.pid'))).toBe(false);
  });

  it('a missing or wrong Java gives one line naming Java 17', () => {
    const missing = stack(['up', 'cassandra'], { STACK_JAVA17: '/nonexistent/bin/java' });
    expect(missing.code).toBe(1);
    expect(missing.stderr.split('\n')).toHaveLength(1);
    expect(missing.stderr).toMatch(/^stack: Java 17 not found at \/nonexistent\/bin\/java/);
    const java25 = '/usr/lib/jvm/temurin-25-jdk-amd64/bin/java';
    if (fs.existsSync(java25)) {
      const wrong = stack(['up', 'cassandra'], { STACK_JAVA17: java25 });
      expect(wrong.code).toBe(1);
      expect(wrong.stderr).toMatch(/^stack: .* is not Java 17 \(it reports version 25\)/);
    }
  });

  it('a missing Maven or Go (needed for a first install) gives one line naming the tool', () => {
    const emptyCache = fs.mkdtempSync(path.join(os.tmpdir(), 'stack-cache-'));
    const other = fs.mkdtempSync(path.join(os.tmpdir(), 'stack-tools-'));
    // a PATH with node and nothing else (node, mvn and java often share /usr/bin)
    const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'stack-bin-'));
    fs.symlinkSync(process.execPath, path.join(bin, 'node'));
    const env = { STACK_CACHE_DIR: emptyCache, STACK_DIR: other, PATH: bin };
    const noMvn = stack(['up', 'cassandra'], env);
    expect(noMvn.code).toBe(1);
    expect(noMvn.stderr).toBe(
      'stack: mvn not found on PATH (needed to download Cassandra from Maven Central): install maven',
    );
    const noGo = stack(['up', 'mongo'], env);
    expect(noGo.code).toBe(1);
    expect(noGo.stderr).toBe(
      'stack: go not found on PATH (needed to build FerretDB from the Go module proxy): install Go 1.22 or newer',
    );
  });

  it('a down and an up issued together serialize: one server ends up running, owned by the stack', async () => {
    const run = (args: string[]) =>
      new Promise<number | null>((resolve) => {
        const child = spawn(
          process.execPath,
          [path.join(ROOT, 'scripts', 'run-stack.js'), ...args],
          {
            cwd: ROOT,
            env: { ...process.env, ...testStackEnv() },
            stdio: 'ignore',
          },
        );
        child.on('exit', resolve);
      });
    const [downCode, upCode] = await Promise.all([run(['down', 'mongo']), run(['up', 'mongo'])]);
    expect([downCode, upCode]).toEqual([0, 0]);
    // whichever ran last decides; make sure it is up again and the pid file names the listener
    expect(stack(['up', 'mongo']).code).toBe(0);
    const status = stack(['status', 'mongo']).stdout;
    expect(status).toMatch(/^ferretdb\s+ready/m);
    // FerretDB's own line (on PostgreSQL, the postgres line comes first)
    const pid = Number(/^ferretdb\s.*pid (\d+)/m.exec(status)?.[1]);
    const pidFile = path.resolve(ROOT, testStackEnv().STACK_DIR, 'ferretdb', 'ferretdb.pid');
    expect(Number(fs.readFileSync(pidFile, 'utf8'))).toBe(pid);
  });

  it('logs prints the tail of each server log', () => {
    const { code, stdout } = stack(['logs', 'cassandra', '-n', '5']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^==> cassandra: .*system\.log <==/);
    expect(stdout.split('\n').length).toBeGreaterThan(1);
  });
});
