import { FIRST_ADMIN_HINT } from '../../src/accounts/first-admin';
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'cassandra-driver';
import { freePort, pollUntil } from '../support/http-poll';
import { uniqueName } from '../support/test-env';
import { testStackEnv } from '../support/test-stack';

const ROOT = path.resolve(__dirname, '..', '..');

/** `npm start` exactly as the README says, with the test stack's ports and folder. */
function npmStart(env: Record<string, string>, args: string[] = []) {
  const clean = { ...process.env };
  // the database URLs are what `npm start` decides on; don't inherit them
  delete clean.MONGO_URL;
  delete clean.CASSANDRA_CONTACT_POINTS;
  return { cmd: 'npm', args: ['start', ...args], env: { ...clean, ...testStackEnv(), ...env } };
}

describe('npm start (README quick start)', () => {
  it('refuses a bad MIGRATION_PHASE with one line listing the allowed values, starting nothing', () => {
    const stackDir = fs.mkdtempSync(path.join(os.tmpdir(), 'start-bogus-'));
    const run = npmStart({ MIGRATION_PHASE: 'bogus', STACK_DIR: stackDir }, ['--silent']);
    const result = spawnSync(run.cmd, run.args, {
      cwd: ROOT,
      env: run.env,
      encoding: 'utf8',
      timeout: 180_000,
    });
    expect(result.status).not.toBe(0);
    const lines = `${result.stdout}${result.stderr}`.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/MIGRATION_PHASE/);
    for (const phase of ['mongo', 'dual-write', 'cassandra-primary', 'cassandra']) {
      expect(lines[0]).toContain(phase);
    }
    expect(fs.readdirSync(stackDir)).toEqual([]);
  });

  describe('with the local stack', () => {
    let app: ChildProcess | undefined;
    let output = '';
    const keyspace = uniqueName('start');

    afterAll(async () => {
      // a child killed by a signal has exitCode null and signalCode set: both null = still running
      if (app?.pid && app.exitCode === null && app.signalCode === null) {
        process.kill(-app.pid, 'SIGTERM');
        await new Promise((resolve) => app?.once('exit', resolve));
      }
      const client = new Client({
        contactPoints: [`127.0.0.1:${testStackEnv().STACK_CASSANDRA_PORT}`],
        localDataCenter: 'datacenter1',
      });
      await client.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`).finally(() => client.shutdown());
    });

    it('serves / and /health reports both stores up, then stops cleanly on SIGTERM', async () => {
      const port = await freePort();
      const opsPort = await freePort();
      const run = npmStart({
        PORT: String(port),
        OPS_PORT: String(opsPort),
        CASSANDRA_KEYSPACE: keyspace,
        NODE_ENV: 'development',
      });
      app = spawn(run.cmd, run.args, { cwd: ROOT, env: run.env, detached: true });
      app.stdout?.on('data', (d: Buffer) => (output += d.toString()));
      app.stderr?.on('data', (d: Buffer) => (output += d.toString()));

      const home = await pollUntil(`http://127.0.0.1:${port}/`, (s) => s === 200, 180_000).catch(
        (err: Error) => {
          throw new Error(`${err.message}\n--- npm start output ---\n${output}`);
        },
      );
      expect(home.body).toMatch(/<html/i);
      expect(home.body).toContain('dual-write');

      const health = await pollUntil(`http://127.0.0.1:${port}/health`, (s) => s === 200, 10_000);
      expect(JSON.parse(health.body)).toEqual({ status: 'ok' });
      // the details on the operators' port, which needs no session
      const details = await pollUntil(
        `http://127.0.0.1:${opsPort}/health/details`,
        (s) => s === 200,
        10_000,
      );
      const report = JSON.parse(details.body);
      expect(report.status).toBe('ok');
      expect(report.info.mongo.status).toBe('up');
      expect(report.info.cassandra.status).toBe('up');
      // the test tier's stack is running: npm start must recognise it as the stack's own (same
      // data folder, whether it runs from source or from dist/), not start another nor treat it
      // as a foreign server
      expect(output).toMatch(/start: ferretdb already running on 127\.0\.0\.1:/);
      expect(output).toMatch(/start: cassandra already running on 127\.0\.0\.1:/);
      expect(output).not.toMatch(/already listens/);
      // no account exists in its database yet: it says how to make the first admin (the
      // README's Quick start), right after it listens
      for (let waited = 0; !output.includes(FIRST_ADMIN_HINT) && waited < 10_000; waited += 100) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(output).toContain(`No accounts yet: ${FIRST_ADMIN_HINT}`);
      expect(FIRST_ADMIN_HINT).toContain('npm run cli -- user add <name> --role admin');

      const started = Date.now();
      const exited = new Promise<void>((resolve) => app?.once('exit', () => resolve()));
      process.kill(-(app.pid as number), 'SIGTERM');
      await exited;
      expect(Date.now() - started).toBeLessThan(15_000);
    });
  });
});
