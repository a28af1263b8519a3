import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { AppConfig, loadConfig } from '../../src/config/app-config';
import { PendingMigrationsError } from '../../src/schema/schema-startup.check';
import { testEnv } from '../support/test-env';
import { createTestApp, runCli } from './helpers/app';
import { dropTestStores, withMongo } from './helpers/stores';
import { migrationVersions } from './helpers/migrations';

function runMain(env: Record<string, string>) {
  return spawnSync(
    process.execPath,
    [require.resolve('ts-node/dist/bin.js'), '--transpile-only', 'src/main.ts'],
    {
      cwd: join(__dirname, '../..'),
      env: { PATH: process.env.PATH ?? '', NO_COLOR: '1', ...env },
      encoding: 'utf8',
      timeout: 120000,
    },
  );
}

/** The messages of the error lines among JSON log lines (a line that is not JSON fails the test). */
function errorLines(text: string): string[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as { level: string; msg: string })
    .filter((line) => line.level === 'error')
    .map((line) => line.msg);
}

describe('schema at startup', () => {
  let env: Record<string, string>;
  let config: AppConfig;

  beforeAll(() => {
    env = testEnv('startup-schema', { NODE_ENV: 'production' });
    config = loadConfig(env);
  });

  afterAll(() => dropTestStores(config));

  it('production refuses to start with pending migrations, and changes nothing', async () => {
    await expect(createTestApp(config)).rejects.toBeInstanceOf(PendingMigrationsError);
    const collections = await withMongo(config, (db) => db.listCollections().toArray());
    expect(collections).toEqual([]);
  });

  it('main.ts exits non-zero with one line telling to run the migrate command', () => {
    const run = runMain(env);
    expect(run.status).toBe(1);
    // production logs JSON lines; errors go to stderr
    const lines = errorLines(run.stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(
      `Schema migrations are pending (mongo: ${migrationVersions('mongo').length}, cassandra: ${migrationVersions('cassandra').length}); run \`npm run cli -- schema migrate\` before starting the app`,
    );
  });

  it('production starts once `schema migrate` has run', async () => {
    expect(runCli(env, 'schema', 'migrate').status).toBe(0);
    const app = await createTestApp(config);
    await app.close();
  });

  it('development applies pending migrations by itself', async () => {
    const devConfig = loadConfig(testEnv('startup-dev', { NODE_ENV: 'development' }));
    try {
      const app = await createTestApp(devConfig);
      await app.close();
      const versions = await withMongo(devConfig, (db) =>
        db.collection('schema_migrations').distinct('_id'),
      );
      expect(versions).toEqual(migrationVersions('mongo'));
    } finally {
      await dropTestStores(devConfig);
    }
  });

  it('main.ts names an unreachable store in one line, and never prints its password', () => {
    // nothing listens on port 1: each of the 3 tries waits for MongoDB's server selection (5 s)
    const url = 'mongodb://blog:hunter2@127.0.0.1:1/startup_unreachable';
    const run = runMain({ ...env, MIGRATION_PHASE: 'mongo', MONGO_URL: url });
    expect(run.status).toBe(1);
    expect(run.stderr.split('\n').filter((line) => line.trim() !== '')).toHaveLength(1);
    const lines = errorLines(run.stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/mongo is unreachable: connect ECONNREFUSED 127\.0\.0\.1:1$/);
    expect(`${run.stdout}${run.stderr}`).not.toContain('hunter2');
    expect(`${run.stdout}${run.stderr}`).not.toMatch(/^\s+at /m);
  });

  it('main.ts prints only the ConfigError line for bad configuration', () => {
    const run = runMain({ ...env, PORT: '70000' });
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(
      'Invalid configuration: PORT must be an integer from 0 to 65535 (got "70000")\n',
    );
  });
});
