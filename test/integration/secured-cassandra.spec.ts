import { NestExpressApplication } from '@nestjs/platform-express';
import { Client, errors } from 'cassandra-driver';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import request from 'supertest';
import { loadConfig } from '../../src/config/app-config';
import { createPost } from '../support/http-fixtures';
import { testEnv } from '../support/test-env';
import { createTestApp, runCli, writerOf } from './helpers/app';
import { withMongo } from './helpers/stores';

const ROOT = path.resolve(__dirname, '..', '..');

/**
 * A Cassandra of its own, started by the project's stack scripts with PasswordAuthenticator and
 * mutual TLS (certificates made at start), on ports no other stack uses. Nothing else may run
 * in STACK_DIR: the test removes the folder first and stops the server afterwards.
 */
const STACK_ENV = {
  STACK_DIR: '.stack-secure',
  STACK_CASSANDRA_PORT: '29042',
  STACK_CASSANDRA_STORAGE_PORT: '27100',
  STACK_MONGO_PORT: '27199',
  STACK_CASSANDRA_HEAP_MB: '512',
  STACK_CASSANDRA_AUTH: '1',
  STACK_CASSANDRA_TLS: 'mutual',
};
const SECURE = path.join(ROOT, STACK_ENV.STACK_DIR, 'cassandra', 'secure');
const CONTACT_POINT = `127.0.0.1:${STACK_ENV.STACK_CASSANDRA_PORT}`;
/** a CA that did not sign the node's certificate (the unit tests' fixture) */
const OTHER_CA = path.join(ROOT, 'test', 'unit', 'config', 'fixtures', 'ca.pem');

function stack(...args: string[]) {
  const run = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'run-stack.js'), ...args], {
    cwd: ROOT,
    env: { ...process.env, ...STACK_ENV },
    encoding: 'utf8',
    timeout: 240_000,
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** Runs the compiled app (as `npm run start:prod` does) until it exits. */
function runMain(env: Record<string, string>) {
  const run = spawnSync(process.execPath, [path.join(ROOT, 'dist', 'src', 'main.js')], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', NO_COLOR: '1', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

function stderrLines(text: string): string[] {
  return text.split('\n').filter((line) => line.trim() !== '');
}

describe('a Cassandra with PasswordAuthenticator and client TLS (own server, stack scripts)', () => {
  let env: Record<string, string>;
  let upOutput: string;

  beforeAll(() => {
    stack('down', 'cassandra');
    fs.rmSync(path.join(ROOT, STACK_ENV.STACK_DIR), { recursive: true, force: true });
    const up = stack('up', 'cassandra');
    if (up.status !== 0) throw new Error(`stack up failed: ${up.stderr}`);
    upOutput = up.stdout;
    env = testEnv('secured', {
      MIGRATION_PHASE: 'cassandra',
      CASSANDRA_CONTACT_POINTS: CONTACT_POINT,
      CASSANDRA_USERNAME: 'blog',
      CASSANDRA_PASSWORD_FILE: path.join(SECURE, 'blog-password'),
      CASSANDRA_TLS_CA: path.join(SECURE, 'ca.pem'),
      CASSANDRA_TLS_CERT: path.join(SECURE, 'client.pem'),
      CASSANDRA_TLS_KEY: path.join(SECURE, 'client.key'),
    });
  }, 300_000);

  afterAll(async () => {
    // the phase record and instance reports live in the shared FerretDB's database of the test
    if (env) await withMongo(loadConfig(env), (db) => db.dropDatabase()).catch(() => undefined);
    const down = stack('down', 'cassandra');
    expect(down.stdout).toMatch(/^cassandra\s+stopped/m);
    fs.rmSync(path.join(ROOT, STACK_ENV.STACK_DIR), { recursive: true, force: true });
  }, 120_000);

  it('the stack prints the app settings, with the password file but never the password', () => {
    const password = fs.readFileSync(path.join(SECURE, 'blog-password'), 'utf8').trim();
    expect(password.length).toBeGreaterThanOrEqual(20);
    expect(upOutput).toContain(
      `CASSANDRA_USERNAME=blog CASSANDRA_PASSWORD_FILE=${SECURE}/blog-password`,
    );
    expect(upOutput).toContain(`CASSANDRA_TLS_CA=${SECURE}/ca.pem`);
    expect(upOutput).not.toContain(password);
    expect(fs.statSync(path.join(SECURE, 'blog-password')).mode & 0o077).toBe(0);
    expect(fs.statSync(path.join(SECURE, 'client.key')).mode & 0o077).toBe(0);
  });

  it('schema migrations and the app work through the login and TLS', async () => {
    const migrate = runCli(env, 'schema', 'migrate');
    expect(migrate.stderr).toBe('');
    expect(migrate.status).toBe(0);
    expect(migrate.stdout).toMatch(/^cassandra: applied .*create-keyspace/m);

    let app: NestExpressApplication | undefined;
    try {
      app = await createTestApp(loadConfig(env));
      const web = { http: () => request(app!.getHttpServer()), writer: await writerOf(app) };
      const id = await createPost(web, { title: 'Over TLS' });
      const page = await web.http().get(`/post/${id}`).expect(200);
      expect(page.text).toContain('Over TLS');
      const health = await web.http().get('/health').expect(200);
      expect(JSON.stringify(health.body)).not.toContain('blog-password');
    } finally {
      await app?.close();
    }
  });

  it('refuses a plain-text connection, and a TLS one without the client certificate', async () => {
    const attempt = async (sslOptions?: object) => {
      const client = new Client({
        contactPoints: [CONTACT_POINT],
        localDataCenter: 'datacenter1',
        socketOptions: { connectTimeout: 5000 },
        ...(sslOptions && { sslOptions }),
      });
      try {
        await client.connect();
        return 'connected';
      } catch (error) {
        expect(error).toBeInstanceOf(errors.NoHostAvailableError);
        return String(Object.values((error as errors.NoHostAvailableError).innerErrors)[0]);
      } finally {
        await client.shutdown().catch(() => undefined);
      }
    };
    expect(await attempt()).not.toBe('connected');
    const ca = fs.readFileSync(path.join(SECURE, 'ca.pem'));
    expect(await attempt({ ca: [ca], rejectUnauthorized: true })).toMatch(/certificate required/);
  });

  it('wrong credentials: the app exits non-zero with one line on stderr naming Cassandra', () => {
    const run = runMain({ ...env, CASSANDRA_PASSWORD_FILE: '', CASSANDRA_PASSWORD: 'not-it' });
    expect(run.status).toBe(1);
    const lines = stderrLines(run.stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/cassandra is unreachable: 127\.0\.0\.1:29042: login refused/);
    expect(lines[0]).not.toContain('not-it');
    expect(`${run.stdout}${run.stderr}`).not.toMatch(/^\s+at /m);
  });

  it('a CA that did not sign the node: the app exits non-zero with one line naming Cassandra', () => {
    const run = runMain({ ...env, CASSANDRA_TLS_CA: OTHER_CA });
    expect(run.status).toBe(1);
    const lines = stderrLines(run.stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /cassandra is unreachable: 127\.0\.0\.1:29042: TLS handshake failed: /,
    );
    expect(`${run.stdout}${run.stderr}`).not.toMatch(/^\s+at /m);
  });

  it('the CLI says the same in one line', () => {
    const run = runCli(
      { ...env, CASSANDRA_PASSWORD_FILE: '', CASSANDRA_PASSWORD: 'not-it' },
      'phase',
      'show',
    );
    expect(run.status).toBe(1);
    expect(stderrLines(run.stderr)).toEqual([
      expect.stringMatching(
        /^error: .*cassandra is unreachable: 127\.0\.0\.1:29042: login refused/,
      ),
    ]);
  });
});
