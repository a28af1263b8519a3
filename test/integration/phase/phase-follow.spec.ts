import { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { pollUntil } from '../../../src/common/poll';
import { AppConfig, loadConfig } from '../../../src/config/app-config';
import { PhaseControl } from '../../../src/control/phase-control';
import { DualWritePostStore } from '../../../src/store/dual-write/dual-write-post-store';
import { PostStoreRouter } from '../../../src/store/post-store.router';
import { testEnv } from '../../support/test-env';
import { createTestApp, healthDetails } from '../helpers/app';
import { BlogClient } from '../helpers/blog-client';
import { cli, cliEnvOf } from '../helpers/migration';
import { dropTestStores, withCassandra } from '../helpers/stores';

/**
 * The README promises that every instance follows `phase set` within PHASE_POLL_INTERVAL plus a
 * read (about 1-2 s at the default 1s); the tests log how long it took and fail only past this,
 * so a busy machine (2 cores shared with other test runs) does not fail them.
 */
const FOLLOW_WITHIN_S = 30;
/** How long an instance may take to report itself for the first time (one poll). */
const REPORT_WITHIN_MS = 30_000;

async function healthPhase(app: NestExpressApplication) {
  const response = await healthDetails(app);
  return response.body.details.phase as { status: string; phase: string; blocked?: string };
}

/** The environment `config` came from (for a variant of it). */
function testEnvOf(config: AppConfig): Record<string, string> {
  return {
    ...cliEnvOf(config),
    PORT: '0',
    OPS_PORT: '0',
    PHASE_POLL_INTERVAL: `${config.phasePollIntervalMs}ms`,
  };
}

async function listening(config: AppConfig): Promise<NestExpressApplication> {
  const app = await createTestApp(config);
  await app.listen(0, '127.0.0.1');
  return app;
}

/**
 * Until `count` instances have reported themselves (each does on its first poll), read through
 * `app`; logs how long that took.
 */
async function reported(app: NestExpressApplication, count: number, what: string): Promise<void> {
  const { value, seconds } = await pollUntil(
    () => app.get(PhaseControl).instances(),
    (reports) => reports.length === count,
    { waitMs: REPORT_WITHIN_MS, everyMs: 100 },
  );
  console.log(`${what} | ${value.length} instance(s) reported after ${seconds.toFixed(1)} s`);
  expect(value).toHaveLength(count);
}

/** Drops the test's database and keyspace: `phase set dual-write` made the keyspace. */
async function dropBothStores(config: AppConfig): Promise<void> {
  await dropTestStores(loadConfig({ ...cliEnvOf(config), MIGRATION_PHASE: 'dual-write' }));
}

/**
 * Each test has a database and keyspace of its own and starts the instances it needs (closed
 * after it), so any one of them runs alone (`-t`) or in any order.
 */
describe('phase set: every running app instance follows the control record (real servers)', () => {
  let config: AppConfig;
  let env: Record<string, string>;
  let apps: NestExpressApplication[];

  beforeEach(() => {
    // the default poll interval (1s): the timing below is what users get
    // OPS_PORT: healthPhase reads /health/details there, without a session
    config = loadConfig(testEnv('phase_follow', { MIGRATION_PHASE: 'mongo', OPS_PORT: '0' }));
    env = cliEnvOf(config);
    apps = [];
  });

  afterEach(async () => {
    await Promise.all(apps.map((app) => app.close()));
    await dropBothStores(config);
  });

  /** `count` more instances (MIGRATION_PHASE mongo), each on its own port. */
  async function start(count: number): Promise<void> {
    for (let i = 0; i < count; i++) apps.push(await listening(config));
  }

  /** `phase set <phase>` that must succeed (a test's own starting point). */
  async function setPhase(phase: string) {
    const run = await cli(env, 'phase', 'set', phase);
    if (run.status !== 0) throw new Error(`phase set ${phase} failed: ${run.stdout}${run.stderr}`);
    return run;
  }

  const ports = () => apps.map((app) => (app.getHttpServer().address() as { port: number }).port);

  it('shows the phase from MIGRATION_PHASE and both instances, on their ports', async () => {
    await start(2);
    await reported(apps[0], 2, 'phase-follow');
    const run = await cli(env, 'phase', 'show');
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('phase: mongo (from MIGRATION_PHASE');
    expect(run.stdout).toContain('app instances: 2');
    for (const port of ports())
      expect(run.stdout).toContain(`:${port} (pid ${process.pid}) serves mongo`);
    expect(run.stdout).toMatch(/next:\n {2}dual-write: no gate/);
  });

  it(`moves both to dual-write within ${FOLLOW_WITHIN_S} s (logged), and their writes reach Cassandra`, async () => {
    await start(2);
    await reported(apps[0], 2, 'phase-follow');
    const run = await cli(env, 'phase', 'set', 'dual-write');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('phase set: mongo → dual-write');
    const waited = /all 2 app instance\(s\) serve dual-write \(after ([\d.]+) s\)/.exec(run.stdout);
    expect(waited).not.toBeNull();
    console.log(`phase-follow | both instances followed dual-write after ${waited![1]} s`);
    expect(Number(waited![1])).toBeLessThanOrEqual(FOLLOW_WITHIN_S);

    for (const app of apps) {
      expect(await healthPhase(app)).toMatchObject({ status: 'up', phase: 'dual-write' });
      const page = await request(app.getHttpServer()).get('/').expect(200);
      expect(page.text).toContain('data-phase="dual-write"');
    }
    // the store really changed: a write through either instance lands in Cassandra too (the
    // copy runs right after the answer: wait for it)
    const id = await (await BlogClient.of(apps[1])).createdId('After the switch');
    await (apps[1].get(PostStoreRouter).storeFor('dual-write') as DualWritePostStore).drain();
    const rows = await withCassandra(config, (client) =>
      client.execute(`SELECT id FROM ${config.cassandraKeyspace}.posts_by_id WHERE id = ?`, [id]),
    );
    expect(rows.rowLength).toBe(1);
  });

  it('a new instance starts in the recorded phase, not MIGRATION_PHASE', async () => {
    await setPhase('dual-write'); // no instance runs yet
    await start(1); // MIGRATION_PHASE is still mongo
    expect(await healthPhase(apps[0])).toMatchObject({ phase: 'dual-write' });
  });

  it('an instance that cannot reach Cassandra refuses to start in dual-write', async () => {
    await setPhase('dual-write');
    const cut = await listening(
      loadConfig({ ...testEnvOf(config), CASSANDRA_CONTACT_POINTS: '127.0.0.1:1' }),
    ).catch((error: unknown) => error);
    // rather than serve MongoDB alone while the others write to both
    expect(cut).toBeInstanceOf(Error);
    expect(String(cut)).toMatch(/cassandra is unreachable/);
  });

  it('goes back to mongo (always allowed), every instance with it', async () => {
    // two instances moved to dual-write, and a third started in it
    await start(2);
    await reported(apps[0], 2, 'phase-follow');
    await setPhase('dual-write');
    await start(1);
    await reported(apps[0], 3, 'phase-follow');

    const run = await cli(env, 'phase', 'set', 'mongo');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/all 3 app instance\(s\) serve mongo/);
    for (const app of apps) expect(await healthPhase(app)).toMatchObject({ phase: 'mongo' });

    const shown = await cli(env, 'phase', 'show');
    expect(shown.stdout).toMatch(/phase: mongo \(set \S+ by \S+, from dual-write\)/);
  });

  it('an instance that shut down drops out of the list', async () => {
    await start(3);
    await reported(apps[0], 3, 'phase-follow');
    await apps.pop()!.close();
    const shown = await cli(env, 'phase', 'show');
    expect(shown.stdout).toContain('app instances: 2');
  });
});

describe('phase set: an instance that cannot follow is reported and taken out of /health', () => {
  let config: AppConfig;
  let env: Record<string, string>;
  const apps: NestExpressApplication[] = [];

  beforeAll(async () => {
    config = loadConfig(
      testEnv('phase_blocked', {
        MIGRATION_PHASE: 'mongo',
        PHASE_POLL_INTERVAL: '300ms',
        OPS_PORT: '0',
      }),
    );
    env = cliEnvOf(config);
    apps.push(await listening(config));
    // phase mongo needs no Cassandra, so this one starts: its Cassandra is nowhere
    apps.push(
      await listening(
        loadConfig({ ...testEnvOf(config), CASSANDRA_CONTACT_POINTS: '127.0.0.1:1' }),
      ),
    );
    // both must have reported before the switch, or `phase set` would not wait for them
    await reported(apps[0], 2, 'phase-follow blocked');
  });

  afterAll(async () => {
    await Promise.all(apps.map((app) => app.close()));
    await dropBothStores(config);
  });

  it('set waits, then fails naming the instance and why; the phase is set for the others', async () => {
    const run = await cli(env, 'phase', 'set', 'dual-write', '--wait', '4s');
    expect(run.status).toBe(1);
    expect(run.stdout).toContain('phase set: mongo → dual-write');
    expect(run.stderr).toMatch(
      /error: phase dual-write is set, but after [\d.]+ s 1 of 2 instance\(s\) do not serve it: .* blocked: cannot serve phase dual-write: cassandra is unreachable/,
    );
    expect(await healthPhase(apps[0])).toMatchObject({ status: 'up', phase: 'dual-write' });
    await request(apps[1].getHttpServer()).get('/health').expect(503, { status: 'error' });
    const cut = await healthDetails(apps[1]);
    expect(cut.status).toBe(503);
    expect(cut.body.details.phase).toMatchObject({ status: 'down', phase: 'mongo' });
    expect(cut.body.details.phase.blocked).toMatch(/cassandra is unreachable/);
  });
});
