import { AppConfig } from '../../../src/config/app-config';
import { ReconcileService } from '../../../src/migration/reconcile/reconcile.service';
import { StatsService } from '../../../src/stats/stats.service';
import { CurrentPhase } from '../../../src/control/current-phase';
import { DualWritePostStore } from '../../../src/store/dual-write/dual-write-post-store';
import { HintLog } from '../../../src/store/hints/hint-log';
import { HintLogs } from '../../../src/store/hints/hint-logs';
import { PostStore, StoreTotals } from '../../../src/store/post-store';
import { PostStoreRouter } from '../../../src/store/post-store.router';

/** A store whose totals() the test answers by hand, one call at a time. */
function countedStore(name: string) {
  const calls: Array<{ resolve(t: StoreTotals): void; reject(e: Error): void }> = [];
  const store = {
    name,
    totals: () => new Promise<StoreTotals>((resolve, reject) => calls.push({ resolve, reject })),
  } as unknown as PostStore;
  return { store, calls };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('StatsService', () => {
  const mongo = countedStore('mongo');
  const cassandra = countedStore('cassandra');
  let pending = 0;
  const hints = { store: 'mongo', pending: () => Promise.resolve(pending) } as unknown as HintLog;
  // a dual-write store only for its counters (a getter on the real class)
  const dual = Object.create(DualWritePostStore.prototype, {
    counters: { value: { writes: 3, inFlight: 0, missed: 1, unhinted: 0 } },
  }) as DualWritePostStore;
  const router = {
    storeNamed: (name: string) => (name === 'mongo' ? mongo.store : cassandra.store),
    copiesOf: () => dual,
  } as unknown as PostStoreRouter;
  const hintLogs = { get: () => hints } as unknown as HintLogs;
  const config = { statsMaxAgeMs: 60_000, healthCheckTimeoutMs: 500 } as AppConfig;
  const phase = { get: () => 'dual-write' } as CurrentPhase;
  let stats: StatsService;

  beforeEach(() => {
    mongo.calls.length = 0;
    cassandra.calls.length = 0;
    pending = 0;
    stats = new StatsService(
      phase,
      router,
      hintLogs,
      config,
      // no reconcile has run yet
      { last: async () => undefined } as unknown as ReconcileService,
    );
  });

  it('waits for the first counts only, then serves them without counting again', async () => {
    const first = stats.report();
    await tick();
    mongo.calls[0].resolve({ posts: 2, comments: 5 });
    cassandra.calls[0].resolve({ posts: 2, comments: 5 });
    const report = await first;
    expect(report).toMatchObject({
      phase: 'dual-write',
      source_of_truth: 'mongo',
      in_sync: true,
      pending_hints: 0,
      secondary_writes: { writes: 3, in_flight: 0, missed: 1, unhinted: 0 },
    });
    expect(Object.keys(report.stores)).toEqual(['mongo', 'cassandra']);
    // the report is as old as its oldest count (the two were started a millisecond apart or not)
    const times = [report.stores.mongo.as_of, report.stores.cassandra.as_of];
    expect(times).not.toContain(null);
    expect(report.as_of).toEqual([...times].sort()[0]);
    await stats.report();
    expect(mongo.calls).toHaveLength(1); // fresh: no recount
  });

  it('is not in sync with different totals or a pending hint', async () => {
    const first = stats.report();
    await tick();
    mongo.calls[0].resolve({ posts: 2, comments: 5 });
    cassandra.calls[0].resolve({ posts: 1, comments: 5 });
    expect((await first).in_sync).toBe(false);
  });

  it('reports a store that cannot be counted with its error at once, and recounts in the background', async () => {
    const first = stats.report();
    await tick();
    mongo.calls[0].resolve({ posts: 2, comments: 5 });
    cassandra.calls[0].reject(new Error('All host(s) tried for query failed\nmore'));
    const report = await first;
    expect(report.stores.cassandra).toEqual({
      posts: null,
      comments: null,
      as_of: null,
      error: 'All host(s) tried for query failed',
    });
    expect(report.in_sync).toBe(false);
    expect(report.as_of).toBeNull();
    // the next request does not wait for the store that failed: it answers and recounts behind
    pending = 4;
    const second = await stats.report();
    expect(second.pending_hints).toBe(4);
    expect(cassandra.calls).toHaveLength(2);
    cassandra.calls[1].resolve({ posts: 2, comments: 5 });
    await tick();
    expect((await stats.report()).stores.cassandra).toMatchObject({ posts: 2, comments: 5 });
  });
});
