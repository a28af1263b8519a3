import { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { AppConfig, loadConfig } from '../../src/config/app-config';
import { mongoUrlWithDb, testEnv, testStores } from '../support/test-env';
import { createTestApp, healthDetails } from './helpers/app';
import { dropTestStores } from './helpers/stores';
import { TcpProxy } from './helpers/tcp';

const TIMEOUT_MS = 1000;

interface HealthBody {
  status: string;
  error: Record<string, { status: string; message?: string }>;
  details: Record<string, { status: string }>;
}

/**
 * The shared servers must never be stopped, so each store is reached through a TCP proxy that
 * the test cuts and restores: the app sees exactly what a crashed and restarted server looks like.
 */
describe('health while a store is unreachable, and after it comes back', () => {
  const stores = testStores();
  const [cassandraHost, cassandraPort] = stores.cassandraContactPoints.split(',')[0].split(':');
  const mongoTarget = new URL(stores.mongoUrl);
  const cassandraProxy = new TcpProxy(cassandraHost, Number(cassandraPort ?? 9042));
  const mongoProxy = new TcpProxy(mongoTarget.hostname, Number(mongoTarget.port || 27017));
  let direct: AppConfig;
  let app: NestExpressApplication;

  beforeAll(async () => {
    // OPS_PORT: the details are read on the operators' port, without a session
    const env = testEnv('health-recovery', {
      HEALTH_CHECK_TIMEOUT_MS: String(TIMEOUT_MS),
      OPS_PORT: '0',
    });
    direct = loadConfig(env);
    const cassandraProxyPort = await cassandraProxy.start();
    const mongoProxyPort = await mongoProxy.start();
    const db = direct.mongoDatabase;
    app = await createTestApp(
      loadConfig({
        ...env,
        CASSANDRA_CONTACT_POINTS: `127.0.0.1:${cassandraProxyPort}`,
        MONGO_URL: mongoUrlWithDb(`mongodb://127.0.0.1:${mongoProxyPort}`, db),
      }),
    );
  });

  afterAll(async () => {
    // Restore both (a failed assertion may have left one cut) so the app closes cleanly.
    await cassandraProxy.start();
    await mongoProxy.start();
    await app?.close();
    await cassandraProxy.cut();
    await mongoProxy.cut();
    await dropTestStores(direct);
  });

  async function health(): Promise<{ code: number; body: HealthBody; ms: number }> {
    const started = Date.now();
    const response = await healthDetails(app);
    return { code: response.status, body: response.body as HealthBody, ms: Date.now() - started };
  }

  async function waitFor(
    predicate: (result: { code: number; body: HealthBody }) => boolean,
    withinMs: number,
  ): Promise<{ code: number; body: HealthBody }> {
    const deadline = Date.now() + withinMs;
    for (;;) {
      const result = await health();
      // Whatever the stores do, the check itself never hangs past the timeout.
      expect(result.ms).toBeLessThan(TIMEOUT_MS + 1500);
      if (predicate(result)) return result;
      if (Date.now() > deadline) {
        throw new Error(
          `health never matched; last: ${result.code} ${JSON.stringify(result.body)}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  it.each([
    ['cassandra', 'mongo', cassandraProxy],
    ['mongo', 'cassandra', mongoProxy],
  ] as const)('reports %s down while cut and up again once back', async (store, other, proxy) => {
    expect((await health()).code).toBe(200);

    await proxy.cut();
    const down = await waitFor((r) => r.code === 503, 15000);
    expect(down.body.status).toBe('error');
    expect(Object.keys(down.body.error)).toEqual([store]);
    expect(down.body.details[other].status).toBe('up');
    // the public probe says only that something is down
    await request(app.getHttpServer()).get('/health').expect(503, { status: 'error' });
    // The rest of the app keeps serving: a page that needs no database, and the posts while
    // only the secondary (Cassandra in dual-write) is cut; without the source of truth
    // (MongoDB) the posts page says so with a 503 instead of hanging or crashing.
    await request(app.getHttpServer()).get('/login').expect(200);
    await request(app.getHttpServer())
      .get('/')
      .expect(store === 'mongo' ? 503 : 200);

    await proxy.start();
    const up = await waitFor((r) => r.code === 200, 20000);
    expect(up.body.details[store].status).toBe('up');
  });
});
