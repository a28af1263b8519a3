import { NestExpressApplication } from '@nestjs/platform-express';
import { hostname } from 'node:os';
import request from 'supertest';
import { AppConfig, loadConfig } from '../../src/config/app-config';
import { PhaseControl } from '../../src/control/phase-control';
import { OpsServer } from '../../src/ops/ops-server';
import { testEnv, testStores } from '../support/test-env';
import { createTestApp, tokenOf, writerOf } from './helpers/app';
import { dropTestStores } from './helpers/stores';
import { TcpProxy } from './helpers/tcp';

const TIMEOUT_MS = 1000;

/** What /health/details says of each check. */
interface Details {
  status: string;
  info: Record<string, Record<string, unknown>>;
  error: Record<string, Record<string, unknown>>;
  details: Record<string, Record<string, unknown>>;
}

/**
 * Public and operator health on real stores (dual-write: both), with OPS_PORT on. Cassandra is
 * reached through a TCP proxy of the test's own, so "Cassandra down" is the app's port closing,
 * never the shared server stopping.
 */
describe('/health (public) and /health/details (operators) on real stores', () => {
  const stores = testStores();
  const [cassandraHost, cassandraPort] = stores.cassandraContactPoints.split(',')[0].split(':');
  const cassandra = new TcpProxy(cassandraHost, Number(cassandraPort ?? 9042));
  let config: AppConfig;
  let app: NestExpressApplication;
  let ops: () => ReturnType<typeof request>;
  let admin: Record<string, string>;

  const open = () => request(app.getHttpServer());

  beforeAll(async () => {
    const port = await cassandra.start();
    const env = testEnv('health-details', {
      OPS_PORT: '0',
      HEALTH_CHECK_TIMEOUT_MS: String(TIMEOUT_MS),
      PHASE_POLL_INTERVAL: '200ms',
      // every /api/stats recounts in the background: a store that went down shows at once
      STATS_MAX_AGE_MS: '0',
    });
    // the test's own config reaches Cassandra directly (to drop the keyspace whatever happened)
    config = loadConfig(env);
    app = await createTestApp(
      loadConfig({ ...env, CASSANDRA_CONTACT_POINTS: `127.0.0.1:${port}` }),
    );
    const address = app.get(OpsServer).address();
    if (!address) throw new Error('OPS_PORT=0 should have started the ops listener');
    ops = () => request(`http://127.0.0.1:${address.port}`);
    admin = await writerOf(app);
    // a phase record written as `phase set` does, so set_by is this machine's user@host
    const control = app.get(PhaseControl);
    await control.write('dual-write', await control.read(), false);
  });

  afterAll(async () => {
    await cassandra.start();
    await app?.close();
    await cassandra.cut();
    if (config) await dropTestStores(config);
  });

  async function detailsOnOpsPort(accept: (status: number) => boolean): Promise<Details> {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const response = await ops().get('/health/details');
      if (accept(response.status)) return response.body as Details;
      if (Date.now() > deadline) throw new Error(`never matched: ${response.status}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  it('serves every check on the ops port without a session, and to an admin on the public port', async () => {
    // the follower picks the record up within a poll or two
    const viaOps = await detailsOnOpsPort((status) => status === 200);
    const deadline = Date.now() + 5000;
    let body = viaOps;
    while (body.info.phase.set_by === 'MIGRATION_PHASE' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      body = (await ops().get('/health/details').expect(200)).body as Details;
    }
    expect(body).toMatchObject({
      status: 'ok',
      info: {
        phase: { status: 'up', phase: 'dual-write', forced: false },
        mongo: { status: 'up' },
        cassandra: { status: 'up', releaseVersion: expect.stringMatching(/^\d+\.\d+/) },
      },
    });
    expect(String(body.info.phase.set_by)).toMatch(new RegExp(`@${hostname()}$`));

    const viaAdmin = await open().get('/health/details').set(admin).expect(200);
    expect(viaAdmin.body).toMatchObject({ status: 'ok', info: body.info });
  });

  it('refuses the details on the public port without an admin: 401 anonymous, 403 for an author', async () => {
    await open().get('/health/details').expect(401);
    const author = await tokenOf(app, { username: 'ann', name: 'Ann', password: 'x'.repeat(12) });
    await open().get('/health/details').set(author).expect(403);
  });

  it('gives the public /health only {status}: no version, no user@host', async () => {
    const response = await open().get('/health').expect(200);
    expect(response.body).toEqual({ status: 'ok' });
    expect(response.text).not.toContain(hostname());
  });

  it('serves only the operators paths on the ops port', async () => {
    await ops().get('/').expect(404);
    await ops().get('/login').expect(404);
    await ops().get('/api/posts').expect(404);
    const health = await ops().get('/health').expect(200);
    expect(health.body).toEqual({ status: 'ok' });
    const stats = await ops().get('/api/stats/details').expect(200);
    expect(stats.body).toMatchObject({ phase: 'dual-write', source_of_truth: 'mongo' });
  });

  it('with Cassandra down: /health is 503 {status: "error"}; the details name it and why', async () => {
    await cassandra.cut();
    try {
      const down = await detailsOnOpsPort((status) => status === 503);
      expect(down.status).toBe('error');
      expect(Object.keys(down.error)).toEqual(['cassandra']);
      expect(down.error.cassandra).toMatchObject({ status: 'down', message: expect.any(String) });
      expect(down.info.mongo).toEqual({ status: 'up' });

      const open503 = await open().get('/health').expect(503);
      expect(open503.body).toEqual({ status: 'error' });
      expect(open503.text).not.toContain('127.0.0.1');

      const viaAdmin = await open().get('/health/details').set(admin).expect(503);
      expect(viaAdmin.body.error.cassandra.status).toBe('down');

      // the public stats say a count failed, never the driver's error with its address
      const deadline = Date.now() + 15_000;
      let stats = await open().get('/api/stats').expect(200);
      while (!stats.body.stores.cassandra.error && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        stats = await open().get('/api/stats').expect(200);
      }
      expect(stats.body.phase).toBe('dual-write');
      expect(stats.body.stores.cassandra.error).toBe('count failed');
      expect(JSON.stringify(stats.body)).not.toContain('127.0.0.1');
      const reason = await ops().get('/api/stats/details').expect(200);
      expect(reason.body.stores.cassandra.error).not.toBe('count failed');
      expect(reason.body.stores.cassandra.error).toEqual(expect.any(String));
    } finally {
      await cassandra.start();
    }
    await detailsOnOpsPort((status) => status === 200);
  });
});
