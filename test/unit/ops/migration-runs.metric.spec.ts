import { Logger } from '@nestjs/common';
import { loadConfig } from '../../../src/config/app-config';
import { CurrentPhase } from '../../../src/control/current-phase';
import { Leases } from '../../../src/control/lease';
import { MigrationState } from '../../../src/control/migration-state';
import { BlogMetrics } from '../../../src/metrics/blog-metrics';
import { BackfillService } from '../../../src/migration/backfill/backfill.service';
import { ReconcileService } from '../../../src/migration/reconcile/reconcile.service';
import { VerifyService } from '../../../src/migration/verify/verify.service';
import { MigrationRunsMetric } from '../../../src/ops/migration-runs.metric';
import { FakeReplica, replicasOf } from '../migration/fake-replica';

/** The metrics the migration state says, as another process (the CLI) left it. */
function setup(phase: 'mongo' | 'dual-write' = 'dual-write') {
  const bodies = new Map<string, unknown>();
  let reads = 0;
  const state = {
    get: async (name: string) => {
      reads++;
      return bodies.get(name);
    },
    put: async (name: string, body: unknown) => void bodies.set(name, body),
  } as unknown as MigrationState;
  const metrics = new BlogMetrics();
  const replicas = replicasOf(new FakeReplica('mongo'), new FakeReplica('cassandra'));
  const verifier = new VerifyService(replicas, state, metrics);
  const reconcile = {
    last: async () => bodies.get('reconcile:last'),
  } as unknown as ReconcileService;
  const metric = new MigrationRunsMetric(
    metrics,
    new BackfillService(state, {} as Leases, replicas),
    verifier,
    reconcile,
    loadConfig({}),
    new CurrentPhase(phase),
  );
  metric.onModuleInit();
  const values = async (name: string) => {
    await metrics.refresh();
    return Object.fromEntries((await metrics.valuesOf(name)).map((v) => [v.labels.kind, v.value]));
  };
  return { bodies, values, reads: () => reads };
}

describe('backfill and verify metrics, read from the migration state', () => {
  beforeAll(() => Logger.overrideLogger(false));

  it('counts what the checkpoints of both directions say was copied, per kind', async () => {
    const { bodies, values } = setup();
    expect(await values('blog_backfill_records_total')).toEqual({});
    bodies.set('backfill:mongo->cassandra', { stage: 'comments', posts: 40, comments: 7 });
    expect(await values('blog_backfill_records_total')).toEqual({
      post: 40,
      comment: 7,
      account: 0,
      credential: 0,
      post_deletion: 0,
      comment_deletion: 0,
      credential_deletion: 0,
    });
    bodies.set('backfill:cassandra->mongo', { stage: 'posts', posts: 2 });
    expect((await values('blog_backfill_records_total')).post).toBe(42);
  });

  it('shows the newest of the last verify and the last reconcile, per kind', async () => {
    const { bodies, values } = setup();
    bodies.set('verify:last', {
      differences: 3,
      by_kind: { post: 2, comment: 1 },
      finished_at: '2026-12-03T10:00:00.000Z',
    });
    expect(await values('blog_verify_differences')).toMatchObject({ post: 2, comment: 1 });
    bodies.set('reconcile:last', {
      dry_run: false,
      finished_at: '2026-12-03T10:05:00.000Z',
      remaining: [{ entity: 'comment', id: 'c1', kind: 'missing', where: 'cassandra' }],
    });
    expect(await values('blog_verify_differences')).toMatchObject({ post: 0, comment: 1 });
    bodies.set('verify:last', {
      differences: 0,
      by_kind: {},
      finished_at: '2026-12-03T10:10:00.000Z',
    });
    expect(await values('blog_verify_differences')).toMatchObject({ post: 0, comment: 0 });
  });

  it('does not read the state in phase mongo (it lives in Cassandra)', async () => {
    const { bodies, values, reads } = setup('mongo');
    bodies.set('backfill:mongo->cassandra', { stage: 'posts', posts: 5 });
    expect(await values('blog_backfill_records_total')).toEqual({});
    expect(reads()).toBe(0);
  });
});
