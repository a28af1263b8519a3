import { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { AppConfig, loadConfig } from '../../../src/config/app-config';
import { Leases } from '../../../src/control/lease';
import { JobRun, MigrationJobs } from '../../../src/migration/migration.jobs';
import { sleep } from '../../support/http-poll';
import { testEnv } from '../../support/test-env';
import { createTestApp } from '../helpers/app';
import { BlogClient } from '../helpers/blog-client';
import { dropTestStores } from '../helpers/stores';

/** Runs of different instances that were going on at the same moment. */
function overlaps(a: JobRun[], b: JobRun[]): [JobRun, JobRun][] {
  return a.flatMap((x) =>
    b.filter((y) => x.started < y.finished && y.started < x.finished).map((y) => [x, y]),
  ) as [JobRun, JobRun][];
}

describe('scheduled reconcile under a lease: two app instances never reconcile at the same time (real servers)', () => {
  let config: AppConfig;
  let env: Record<string, string>;
  const apps: NestExpressApplication[] = [];

  beforeAll(async () => {
    env = testEnv('reconcile_lease', {
      MIGRATION_PHASE: 'dual-write',
      RECONCILE_INTERVAL: '300ms',
      HINT_RETRY_INTERVAL: '0',
    });
    config = loadConfig(env);
  });

  afterAll(async () => {
    for (const app of apps) await app.close();
    await dropTestStores(config);
  });

  it('a crashed holder’s lease blocks both until it expires; then runs never overlap', async () => {
    // a holder that "crashed" while holding the lease: nobody renews or releases it
    // an instance without the job writes the data and plays the holder that dies
    const writer = await createTestApp(loadConfig({ ...env, RECONCILE_INTERVAL: '0' }));
    apps.push(writer);
    const blog = await BlogClient.of(writer);
    for (let i = 0; i < 30; i++) await blog.createdId(`Leased ${i}`);
    const crashedUntil = Date.now() + 3000;
    expect(await writer.get(Leases).acquire('reconcile', 'crashed-instance', 3)).toBe(true);

    const instances = [await createTestApp(config), await createTestApp(config)];
    apps.push(...instances);
    const jobs = instances.map((app) => app.get(MigrationJobs));
    expect(jobs[0].holder).not.toBe(jobs[1].holder);
    await sleep(8000);
    const runs = jobs.map((job) => job.runs.filter((run) => run.job === 'reconcile'));

    // nobody ran while the dead holder's lease was alive, and the lease did expire (Cassandra
    // counts TTLs in whole seconds, so it may end up to a second early)
    for (const run of runs.flat()) expect(run.started).toBeGreaterThanOrEqual(crashedUntil - 1000);
    expect(runs.flat().length).toBeGreaterThanOrEqual(4);
    expect(runs.flat().every((run) => run.ok)).toBe(true);
    // both instances kept trying every 300 ms; whoever held the lease ran alone
    expect(overlaps(runs[0], runs[1])).toEqual([]);

    // operators see the last run on either instance
    const stats = await request(instances[1].getHttpServer()).get('/api/stats').expect(200);
    const last = (stats.body as { last_reconcile: Record<string, unknown> | null }).last_reconcile;
    expect(last).toMatchObject({ source: 'mongo', target: 'cassandra', remaining: 0 });
    expect(Date.parse(last?.finished_at as string)).toBeLessThanOrEqual(Date.now());
    expect(Date.parse(last?.finished_at as string)).toBeGreaterThanOrEqual(crashedUntil - 1000);
  });
});
