import { loadConfig } from '../../../src/config/app-config';
import { CurrentPhase } from '../../../src/control/current-phase';
import { BlogMetrics } from '../../../src/metrics/blog-metrics';
import { CassandraHintLog } from '../../../src/store/hints/cassandra-hint-log';
import { MongoHintLog } from '../../../src/store/hints/mongo-hint-log';
import { HintLogs } from '../../../src/store/hints/hint-logs';
import { Post } from '../../../src/store/post';
import { PostStore } from '../../../src/store/post-store';
import { AccountStore } from '../../../src/store/account-store';
import { Replicas } from '../../../src/store/replicas';
import { PostStoreRouter } from '../../../src/store/post-store.router';

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

/**
 * A router over stores that are only their names (plus the methods a test hands in): the same
 * object serves as the store's PostStore and as its Replica.
 */
function routerOver(
  phase: CurrentPhase,
  mongo: object = {},
  cassandra: object = {},
  metrics = new BlogMetrics(),
) {
  const plain = {
    mongo: { name: 'mongo', ...mongo } as unknown as PostStore,
    cassandra: { name: 'cassandra', ...cassandra } as unknown as PostStore,
  };
  const accounts = {
    mongo: { name: 'mongo' } as unknown as AccountStore,
    cassandra: { name: 'cassandra' } as unknown as AccountStore,
  };
  const replicas = { get: (name: 'mongo' | 'cassandra') => plain[name] } as unknown as Replicas;
  return new PostStoreRouter(
    phase,
    loadConfig({}),
    plain,
    accounts,
    replicas,
    new HintLogs({ store: 'mongo' } as MongoHintLog, { store: 'cassandra' } as CassandraHintLog),
    metrics,
  );
}

describe('PostStoreRouter: a request finishes on the phase it started in', () => {
  const phase = new CurrentPhase('mongo');
  const router = routerOver(phase);

  it('pins every store call of a request, across awaits, and counts it until it ends', async () => {
    const seen: string[] = [];
    let end!: () => void;
    const request = new Promise<void>((resolve) => {
      router.pin(
        async (pinned) => {
          seen.push(pinned, router.current().name);
          await tick();
          phase.set('dual-write');
          await tick();
          seen.push(router.current().name); // still mongo: the request started there
          resolve();
        },
        { writes: true, onEnd: (ended) => (end = ended) },
      );
    });
    await request;
    expect(seen).toEqual(['mongo', 'mongo', 'mongo']);
    // new work outside any request, and a new request, go to the new phase
    expect(router.current().name).toBe('dual-write(mongo→cassandra)');
    expect(router.draining()).toBe(1); // the mongo request has not ended yet
    end();
    expect(router.draining()).toBe(0);
    // a read is pinned too, but nobody waits for it
    let readEnd: (() => void) | undefined;
    router.pin(() => expect(router.current().name).toBe('dual-write(mongo→cassandra)'), {
      writes: false,
      onEnd: (ended) => (readEnd = ended),
    });
    phase.set('mongo');
    expect(router.draining()).toBe(0);
    expect(readEnd).toBeUndefined();
  });

  it("counts a write's copy still in flight on the phase before as draining", async () => {
    let land!: () => void;
    const copying = new Promise<void>((resolve) => (land = resolve));
    const dual = new CurrentPhase('dual-write');
    const copies = routerOver(
      dual,
      { createPost: () => Promise.resolve() },
      { apply: () => copying },
    );
    let end!: () => void;
    await new Promise<void>((resolve) =>
      copies.pin(
        (pinned) =>
          void copies
            .storeFor(pinned)
            .createPost({ id: 'p1' } as Post)
            .then(resolve),
        { writes: true, onEnd: (ended) => (end = ended) },
      ),
    );
    end(); // the request answered: MongoDB has the post, the copy to Cassandra is still going
    dual.set('cassandra-primary');
    expect(copies.draining()).toBe(1);
    land();
    await tick();
    expect(copies.draining()).toBe(0);
  });

  it('a scheduled job run through it counts as draining once the phase moves on, until it ends', async () => {
    const jobPhase = new CurrentPhase('cassandra-primary');
    const jobs = routerOver(jobPhase);
    let finish!: () => void;
    const seen: string[] = [];
    const job = jobs.run(async (phase) => {
      seen.push(phase);
      await new Promise<void>((resolve) => (finish = resolve));
      seen.push(jobs.current().name); // still the phase it started in
    });
    expect(jobs.draining()).toBe(0); // nothing to wait for while the phase stays
    jobPhase.set('cassandra');
    expect(jobs.draining()).toBe(1);
    finish();
    await job;
    expect(seen).toEqual(['cassandra-primary', 'dual-write(cassandra→mongo)']);
    expect(jobs.draining()).toBe(0);
  });

  it('routes accounts like posts: the same phase, the same pin, one copier for both kinds', async () => {
    const accountsPhase = new CurrentPhase('mongo');
    const both = routerOver(accountsPhase);
    expect(both.currentAccounts().name).toBe('mongo');
    const seen: string[] = [];
    let end!: () => void;
    await new Promise<void>((resolve) => {
      both.pin(
        async () => {
          accountsPhase.set('cassandra-primary');
          await tick();
          seen.push(both.currentAccounts().name, both.current().name);
          resolve();
        },
        { writes: true, onEnd: (ended) => (end = ended) },
      );
    });
    end();
    // the request stayed on mongo for both kinds; outside it, both follow the phase
    expect(seen).toEqual(['mongo', 'mongo']);
    expect(both.currentAccounts().name).toBe('dual-write(cassandra→mongo)');
    expect(both.copiesOf('cassandra-primary')).toBe(both.copiesOf('cassandra-primary'));
    expect(both.copiesOf('cassandra-primary')?.secondaryName).toBe('mongo');
    expect(both.copiesOf('cassandra')).toBeUndefined();
  });

  it("times each store's operations and counts how each copy ended (blog_* metrics)", async () => {
    const metrics = new BlogMetrics();
    let refuse = false;
    const timed = routerOver(
      new CurrentPhase('dual-write'),
      { createPost: () => new Promise((resolve) => setTimeout(resolve, 20)) },
      { apply: () => (refuse ? Promise.reject(new Error('down')) : Promise.resolve()) },
      metrics,
    );
    const store = timed.storeFor('dual-write');
    await store.createPost({ id: 'p1' } as Post);
    refuse = true; // and this test's hint log cannot store a hint either: failed
    await store.createPost({ id: 'p2' } as Post);
    await timed.copiesOf('dual-write')?.drain();

    const durations = await metrics.valuesOf('blog_store_operation_duration_seconds');
    const count = (store: string, operation: string) =>
      durations.find(
        (v) =>
          v.metricName === 'blog_store_operation_duration_seconds_count' &&
          v.labels.store === store &&
          v.labels.operation === operation,
      )?.value;
    const sum = durations.find(
      (v) =>
        v.metricName === 'blog_store_operation_duration_seconds_sum' && v.labels.store === 'mongo',
    )?.value;
    expect(count('mongo', 'createPost')).toBe(2);
    expect(count('cassandra', 'apply')).toBe(2);
    expect(sum).toBeGreaterThanOrEqual(0.03);
    const copies = await metrics.valuesOf('blog_secondary_copies_total');
    expect(copies.map((v) => [v.labels.store, v.labels.outcome, v.value])).toEqual([
      ['cassandra', 'written', 1],
      ['cassandra', 'failed', 1],
    ]);
  });
});
