import { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { AppModule } from '../../src/app.module';
import { LogDestination } from '../../src/common/logging/logging.module';
import { AppConfig, loadConfig } from '../../src/config/app-config';
import { configureApp, useStructuredLogs } from '../../src/configure-app';
import { Hint } from '../../src/store/hints/hint-log';
import { HintLogs } from '../../src/store/hints/hint-logs';
import { newId, nowMicros } from '../../src/store/versions';
import { FaultProxy } from '../support/fault-proxy';
import { JSON_HEADERS, postFields } from '../support/http-fixtures';
import { sleep } from '../support/http-poll';
import { LogCapture } from '../support/log-capture';
import { testEnv, testStores } from '../support/test-env';
import { runCli, writerOf } from './helpers/app';
import { cliEnvOf } from './helpers/migration';
import { dropTestStores } from './helpers/stores';

/** A copy to the secondary slower than this is hinted (the test's SECONDARY_WRITE_TIMEOUT_MS). */
const COPY_TIMEOUT_MS = 500;

/**
 * Structured logs on the real stores: the app as main.ts sets it up (pino under every Nest
 * Logger), its log lines read from its destination. Both stores sit behind fault proxies: a slow
 * Cassandra makes a dual-write copy miss (a hint, a warning), a MongoDB that resets connections
 * makes a request fail (a 503, an error line).
 */
describe('structured logs (real servers)', () => {
  const stores = testStores();
  const capture = new LogCapture();
  const cassandraProxy = FaultProxy.of(stores.cassandraContactPoints.split(',')[0], 9042);
  let mongoProxy: FaultProxy;
  let direct: AppConfig;
  let app: NestExpressApplication;
  let writer: Record<string, string>;

  const linesOf = (requestId: string) =>
    capture.lines.filter((line) => line.requestId === requestId);

  beforeAll(async () => {
    const env = testEnv('logs', {
      MIGRATION_PHASE: 'dual-write',
      SECONDARY_WRITE_TIMEOUT_MS: String(COPY_TIMEOUT_MS),
      MONGO_SERVER_SELECTION_TIMEOUT_MS: '1500',
      HINT_RETRY_INTERVAL: '0',
      RECONCILE_INTERVAL: '0',
      LOG_LEVEL: 'info',
    });
    direct = loadConfig(env);
    const mongoUrl = new URL(env.MONGO_URL);
    mongoProxy = FaultProxy.of(mongoUrl.host, 27017);
    mongoUrl.host = `127.0.0.1:${await mongoProxy.start()}`;
    mongoUrl.searchParams.set('directConnection', 'true');
    const config = loadConfig({
      ...env,
      MONGO_URL: mongoUrl.toString(),
      CASSANDRA_CONTACT_POINTS: `127.0.0.1:${await cassandraProxy.start()}`,
    });
    const moduleRef = await Test.createTestingModule({ imports: [AppModule.forRoot(config)] })
      .overrideProvider(LogDestination)
      .useValue(new LogDestination(capture))
      .compile();
    app = moduleRef.createNestApplication<NestExpressApplication>({ bufferLogs: true });
    useStructuredLogs(app);
    configureApp(app);
    await app.init();
    writer = await writerOf(app);
  }, 120_000);

  afterAll(async () => {
    mongoProxy?.heal();
    cassandraProxy.heal();
    await app?.close();
    await mongoProxy?.close();
    await cassandraProxy.close();
    await dropTestStores(direct);
  }, 120_000);

  it("ties a request's log lines and the hint of its missed copy to its X-Request-Id", async () => {
    const requestId = `logs-write-${newId()}`;
    cassandraProxy.setLatency({ toTarget: COPY_TIMEOUT_MS * 4 });
    const created = await request(app.getHttpServer())
      .post('/create')
      .set(JSON_HEADERS)
      .set(writer)
      .set('X-Request-Id', requestId)
      .send(postFields({ title: 'A post whose copy is late' }))
      .expect(201);
    expect(created.headers['x-request-id']).toBe(requestId);
    const postId = (created.body as { id: string }).id;

    // the hint, kept in MongoDB (the primary) after the answer, names the request
    const hints = app.get(HintLogs).get('mongo');
    let hint: Hint | undefined;
    for (let tries = 0; tries < 100 && !hint; tries++) {
      hint = (await hints.list(100)).find((candidate) => candidate.id === postId);
      if (!hint) await sleep(100);
    }
    cassandraProxy.heal();
    expect(hint).toMatchObject({ entity: 'post', id: postId, op: 'upsert', requestId });

    // the access line and the DualWrite warning (a @nestjs/common Logger, after the answer)
    const lines = linesOf(requestId);
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: 'info',
        method: 'POST',
        route: '/create',
        status: 201,
        durationMs: expect.any(Number),
      }),
    );
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        context: 'DualWrite',
        msg: expect.stringContaining(`missed the upsert of post ${postId}`),
      }),
    );
    // every line about this post carries the id; nothing logged the writer's token
    const aboutPost = capture.lines.filter((line) => String(line.msg).includes(postId));
    expect(aboutPost.length).toBeGreaterThan(0);
    expect(aboutPost.every((line) => line.requestId === requestId)).toBe(true);
    expect(JSON.stringify(capture.lines)).not.toContain(writer.Authorization.split(' ')[1]);
  });

  it("logs a request's failure with its id and shows the id to the user", async () => {
    const requestId = `logs-503-${newId()}`;
    mongoProxy.setMode('reset');
    try {
      const failed = await request(app.getHttpServer())
        .get('/api/posts')
        .set(JSON_HEADERS)
        .set('X-Request-Id', requestId)
        .expect(503);
      expect(failed.headers['x-request-id']).toBe(requestId);
      expect(failed.body.requestId).toBe(requestId);
    } finally {
      mongoProxy.heal();
    }
    const lines = linesOf(requestId);
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: 'error',
        context: 'HttpErrors',
        msg: expect.stringContaining('GET /api/posts: store unavailable'),
      }),
    );
    expect(lines).toContainEqual(
      expect.objectContaining({ level: 'warn', route: '/api/posts', status: 503 }),
    );
  });

  it.each(['mongo', 'cassandra'] as const)(
    'the %s hint log keeps a request id, and a newer miss without one does not inherit it',
    async (store) => {
      const hints = app.get(HintLogs).get(store);
      const id = newId();
      const first: Hint = {
        entity: 'post',
        id,
        postId: id,
        op: 'upsert',
        at: nowMicros(),
        error: 'late (test)',
        requestId: 'r-hinted',
      };
      await hints.record(first);
      expect((await hints.list(1000)).find((hint) => hint.id === id)).toEqual(first);

      const newer: Hint = { ...first, at: first.at + 1000, requestId: undefined };
      delete newer.requestId;
      await hints.record(newer);
      expect((await hints.list(1000)).find((hint) => hint.id === id)).toEqual(newer);
      await hints.remove(newer);
    },
  );

  it('a CLI command logs JSON lines to stderr in production; stdout stays its JSON report', () => {
    const run = runCli(
      {
        ...cliEnvOf(direct),
        NODE_ENV: 'production',
        SESSION_SECRET: 's'.repeat(32),
        LOG_LEVEL: 'info',
      },
      'schema',
      'status',
      '--json',
    );
    expect(run.status).toBe(0);
    expect(() => JSON.parse(run.stdout) as unknown).not.toThrow();
    const lines = run.stderr.split('\n').filter((line) => line.trim());
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) {
      expect(JSON.parse(line)).toMatchObject({
        level: expect.any(String),
        time: expect.any(String),
        msg: expect.any(String),
      });
    }
  });

  it('a CLI command stays quiet on stderr by default (warn), and fails in one readable line', () => {
    const env = { ...cliEnvOf(direct), NODE_ENV: 'production', SESSION_SECRET: 's'.repeat(32) };
    const quiet = runCli(env, 'schema', 'status', '--json');
    expect(quiet.status).toBe(0);
    expect(quiet.stderr).toBe('');
    const refused = runCli(env, 'phase', 'set', 'bogus');
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/^error: .*bogus.*\n$/);
  });
});
