import { AddressInfo } from 'node:net';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { Client } from 'cassandra-driver';
import { AppModule } from '../../src/app.module';
import { loadConfig } from '../../src/config/app-config';
import { configureApp } from '../../src/configure-app';
import { OpsServer } from '../../src/ops/ops-server';
import { pollUntil, sleep } from '../support/http-poll';
import { testEnv } from '../support/test-env';
import { requireManagedStack, stackCommand } from './helpers/stack-command';

describe('/health while Cassandra is stopped and started again with the stack script', () => {
  let app: NestExpressApplication;
  let base: string;
  /** the operators' listener, where /health/details needs no session */
  let ops: string;
  const env = testEnv('health_restart', { OPS_PORT: '0' });

  beforeAll(async () => {
    requireManagedStack("this test stops the test stack's Cassandra");
    app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(loadConfig(env)), {
      logger: false,
    });
    configureApp(app);
    await app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
    ops = `http://127.0.0.1:${app.get(OpsServer).address()?.port}`;
  });

  afterAll(async () => {
    // leave the test stack as we found it, whatever happened above
    await stackCommand(['up', 'cassandra']);
    await app?.close();
    const client = new Client({
      contactPoints: [env.CASSANDRA_CONTACT_POINTS],
      localDataCenter: env.CASSANDRA_LOCAL_DC,
    });
    await client
      .execute(`DROP KEYSPACE IF EXISTS ${env.CASSANDRA_KEYSPACE}`)
      .finally(() => client.shutdown());
  });

  it('answers 503 naming cassandra within 5 s of the stop, keeps serving, and recovers without a restart', async () => {
    const healthy = await pollUntil(`${ops}/health/details`, (s) => s === 200, 10_000);
    expect(JSON.parse(healthy.body).info.cassandra.status).toBe('up');

    // poll while the stop runs, so the first 503 is seen as soon as it happens
    const stopIssued = Date.now();
    const stopped = stackCommand(['down', 'cassandra']);
    const down = await pollUntil(
      `${ops}/health/details`,
      (s, body) => s === 503 && JSON.parse(body).error?.cassandra?.status === 'down',
      90_000,
      100,
    );
    const downSeenAt = stopIssued + down.elapsedMs;
    const stoppedAt = await stopped;
    const report = JSON.parse(down.body);
    expect(report.status).toBe('error');
    expect(report.error.cassandra.status).toBe('down');
    expect(report.details.mongo.status).toBe('up');
    // the stack command returns once the process has exited; 503 must follow within 5 s
    expect(downSeenAt - stoppedAt).toBeLessThanOrEqual(5_000);

    // still serving pages and health while a store is down
    await sleep(500);
    const page = await fetch(`${base}/`);
    expect(page.status).toBe(200);
    const stillDown = await fetch(`${base}/health`);
    expect(stillDown.status).toBe(503);
    expect(await stillDown.json()).toEqual({ status: 'error' });

    const startedAt = await stackCommand(['up', 'cassandra']);
    const back = await pollUntil(`${ops}/health/details`, (s) => s === 200, 60_000, 250);
    expect(JSON.parse(back.body).info.cassandra.status).toBe('up');
    console.log(
      `health-restart: stop took ${stoppedAt - stopIssued} ms; 503 seen ${downSeenAt - stopIssued} ms after the stop began ` +
        `(${downSeenAt - stoppedAt} ms relative to the process exit); 200 again ${Date.now() - startedAt} ms after Cassandra was up`,
    );
  });
});
