import { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { AppConfig, loadConfig } from '../../src/config/app-config';
import { PhaseControl } from '../../src/control/phase-control';
import { MetricsHistory } from '../../src/metrics/metrics-history';
import { BackfillService } from '../../src/migration/backfill/backfill.service';
import { from } from '../../src/migration/directions';
import { VerifyService } from '../../src/migration/verify/verify.service';
import { ShadowSampler } from '../../src/shadow/shadow-sampler';
import { Replicas } from '../../src/store/replicas';
import { csrfOf, postFields } from '../support/http-fixtures';
import { testEnv } from '../support/test-env';
import { copiesDone } from '../e2e/helpers/both-stores';
import { createTestApp, WRITER, writerOf } from './helpers/app';
import { dropTestStores, withCassandra } from './helpers/stores';

type Agent = ReturnType<typeof request.agent>;

/**
 * `/admin/migration` on real servers in dual-write: the page shows what the stores and the
 * engine recorded, and a phase step goes through its two forms (review, confirm) to the same
 * PhaseSwitch as `phase set`: refused by the live gate with the failed check, then
 * dual-write → mongo (no gate) and back.
 */
describe('the migration dashboard (real servers, dual-write)', () => {
  let config: AppConfig;
  let app: NestExpressApplication;
  let admin: Agent;

  beforeAll(async () => {
    config = loadConfig(
      testEnv('dashboard', {
        MIGRATION_PHASE: 'dual-write',
        // every read is also read from Cassandra: a tampered post shows on the page
        SHADOW_READ_RATE: '1',
        SHADOW_RECHECK_DELAY: '200ms',
      }),
    );
    app = await createTestApp(config);
    await app.listen(0, '127.0.0.1');
    const writer = await writerOf(app);
    for (let i = 0; i < 12; i++) {
      await request(app.getHttpServer())
        .post('/create')
        .set('Accept', 'application/json')
        .set(writer)
        .send(postFields({ title: `Dashboard post ${i}` }))
        .expect(201);
    }
    await copiesDone({ app, config });
    admin = request.agent(app.getHttpServer());
    const login = await admin.get('/login').expect(200);
    await admin
      .post('/login')
      .type('form')
      .send({ username: WRITER.username, password: WRITER.password, _csrf: csrfOf(login.text) })
      .expect(303);
  });

  afterAll(async () => {
    await app?.close();
    if (config) await dropTestStores(config);
  });

  async function dashboard(): Promise<string> {
    return (await admin.get('/admin/migration').expect(200)).text;
  }

  /** The review form, then the confirm form it shows, as a browser submits them. */
  async function step(target: string): Promise<request.Response> {
    const page = await dashboard();
    const review = await admin
      .post('/admin/migration/phase')
      .type('form')
      .send({ _csrf: csrfOf(page), target })
      .expect(200);
    expect(review.text).toContain(`data-to="${target}"`);
    const from = /data-from="([^"]+)"/.exec(review.text)![1];
    return admin
      .post('/admin/migration/phase/confirm')
      .type('form')
      .send({ _csrf: csrfOf(review.text), target, from });
  }

  it('shows the phase, this instance, the closed gate and the pending hints', async () => {
    // this app instance reports itself through its phase follower (on its first poll)
    const reported = /<li data-instance="[^"]+" class="ok">[^<]* serves dual-write/;
    let page = await dashboard();
    for (let i = 0; i < 40 && !reported.test(page); i++) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      page = await dashboard();
    }
    expect(page).toMatch(reported);
    expect(page).toContain('data-phase="dual-write"');
    expect(page).toMatch(/data-gate="cassandra-primary"[\s\S]*gate closed/);
    expect(page).toMatch(/data-check="backfill mongo → cassandra"><span class="status">FAIL/);
    expect(page).toMatch(/id="hints">\s*<span class="badge ok">0<\/span> in mongo/);
    expect(page).toContain('No backfill has run.');
    expect(page).toMatch(/id="verify">\s*never run/);
  });

  it('a step the live gate refuses answers 409 with the failed check; the phase stays', async () => {
    const refused = await step('cassandra-primary');
    expect(refused.status).toBe(409);
    expect(refused.text).toContain('id="phase-refused"');
    expect(refused.text).toMatch(/phase-refused[\s\S]*data-check="backfill mongo → cassandra"/);
    expect((await app.get(PhaseControl).read()).phase).toBe('dual-write');
  });

  it('shows a finished backfill and the last verify from what the engine recorded', async () => {
    const replicas = app.get(Replicas);
    const direction = from(replicas, 'mongo');
    await app
      .get(BackfillService)
      .run(direction.source, direction.target, { concurrency: 4, restart: false, dryRun: false });
    await app.get(VerifyService).verify(direction.source, direction.target, { recheckDelayMs: 0 });
    const page = await dashboard();
    expect(page).toMatch(/id="backfill-mongo-cassandra"[\s\S]*mongo → cassandra: complete/);
    // 12 posts and the writer's account (and its credentials) were copied
    const copied = Number(/class="backfill-copied">([\d,]+)/.exec(page)![1].replace(/,/g, ''));
    expect(copied).toBeGreaterThanOrEqual(13);
    expect(page).toMatch(/id="verify">\s*mongo → cassandra: <span class="badge ok">clean/);
    expect(page).toMatch(/data-check="backfill mongo → cassandra"><span class="status">ok/);
    expect(page).toMatch(/data-check="verify"><span class="status">ok/);
  });

  it("charts this instance's copies to Cassandra and their latency", async () => {
    const history = app.get(MetricsHistory);
    const started = Date.now();
    const writer = await writerOf(app);
    for (let i = 0; i < 5; i++) {
      await request(app.getHttpServer())
        .post('/create')
        .set('Accept', 'application/json')
        .set(writer)
        .send(postFields({ title: `Charted post ${i}` }))
        .expect(201);
    }
    await copiesDone({ app, config });
    await history.sample();
    // the timer may have taken a sample meanwhile: every sample since the writes began
    const since = history.list().filter((sample) => sample.at >= started);
    const written = since.reduce((n, sample) => n + (sample.copies.cassandra?.written ?? 0), 0);
    expect(written).toBeGreaterThanOrEqual(5);
    const timed = since.map((sample) => sample.writeLatency.cassandra).filter((l) => l?.count);
    expect(timed.length).toBeGreaterThan(0);
    expect(timed[0]!.p99).toBeGreaterThan(0);
    const page = await dashboard();
    expect(page).toContain('Secondary copies to cassandra');
    expect(page).toMatch(/data-chart="chart-copies"[\s\S]*?class="line series-ok"/);
    expect(page).toMatch(/data-chart="chart-copy-latency"[\s\S]*?class="line series-warn"/);
  });

  it('lists an open shadow-read mismatch by record, with the fields that differ', async () => {
    const writer = await writerOf(app);
    const created = await request(app.getHttpServer())
      .post('/create')
      .set('Accept', 'application/json')
      .set(writer)
      .send(postFields({ title: 'Tampered later' }))
      .expect(201);
    const id = (created.body as { id: string }).id;
    await copiesDone({ app, config });
    await withCassandra(config, (client) =>
      client.execute(
        `UPDATE ${config.cassandraKeyspace}.posts_by_id SET content = 'tampered in cassandra' WHERE id = ?`,
        [id],
        { prepare: true },
      ),
    );
    await admin.get(`/post/${id}`).expect(200);
    await app.get(ShadowSampler).drain();
    const page = await dashboard();
    expect(page).toMatch(/id="shadow-open-count"><span class="badge bad">1</);
    expect(page).toContain(`data-mismatch="post:${id}"`);
    expect(page).toMatch(
      new RegExp(`data-mismatch="post:${id}"><strong>post ${id}</strong>: content`),
    );
    const compared = Number(
      /id="shadow-samples">([\d,]+) compared/.exec(page)![1].replace(/,/g, ''),
    );
    expect(compared).toBeGreaterThanOrEqual(1);
  });

  it('moves dual-write → mongo through the forms, as the account, audited, then back', async () => {
    const control = app.get(PhaseControl);
    const done = await step('mongo');
    expect(done.status).toBe(303);
    expect(done.headers.location).toBe('/admin/migration');
    const record = (await control.read()).record!;
    expect(record).toMatchObject({
      phase: 'mongo',
      previous: 'dual-write',
      set_by: 'account:editor',
      forced: false,
    });
    const after = await dashboard();
    expect(after).toContain('data-flash="phaseChanged"');
    expect(after).toContain('data-phase="mongo"');
    expect(after).toMatch(/data-gate="dual-write"[\s\S]*no gate/);

    const back = await step('dual-write');
    expect(back.status).toBe(303);
    expect((await control.read()).record).toMatchObject({
      phase: 'dual-write',
      previous: 'mongo',
      set_by: 'account:editor',
    });
    const page = await dashboard();
    expect(page).toContain('data-phase="dual-write"');
    // each step in the audit trail's tail, as the account, newest first
    const tail = page.slice(page.indexOf('id="audit-tail"'));
    expect(tail).toMatch(
      /<strong>phase.set<\/strong> dual-write: ok <span class="meta">by account:editor/,
    );
    expect(tail).toMatch(
      /<strong>phase.set<\/strong> mongo: ok <span class="meta">by account:editor/,
    );
    expect(tail).toMatch(/<strong>phase.set<\/strong> cassandra-primary: refused/);
  });
});
