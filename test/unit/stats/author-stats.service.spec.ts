import { AppConfig } from '../../../src/config/app-config';
import {
  AuthorStatsPendingException,
  AuthorStatsService,
  FIRST_COUNT_WAIT_MS,
} from '../../../src/stats/author-stats.service';
import { AuthorCount, PostStore } from '../../../src/store/post-store';

/** A store whose authorStats() the test answers by hand, one scan at a time. */
function scannedStore() {
  const scans: Array<{
    top: number;
    resolve(counts: AuthorCount[]): void;
    reject(e: Error): void;
  }> = [];
  const store = {
    name: 'mongo',
    authorStats: (top: number) =>
      new Promise<AuthorCount[]>((resolve, reject) => scans.push({ top, resolve, reject })),
  } as unknown as PostStore;
  return { store, scans };
}

const counts = (n: number): AuthorCount[] =>
  Array.from({ length: n }, (_, i) => ({
    author: `a${String(i).padStart(3, '0')}`,
    posts: 100 - i,
  }));

// Fake timers: the clock (as_of, the maximum age) and the first request's wait are the test's.
describe('AuthorStatsService', () => {
  const config = { statsMaxAgeMs: 15_000, authorStatsTop: 3 } as AppConfig;
  let store: ReturnType<typeof scannedStore>;
  let stats: AuthorStatsService;

  beforeEach(() => {
    jest.useFakeTimers({ now: new Date('2026-12-03T12:00:00Z') });
    store = scannedStore();
    stats = new AuthorStatsService(store.store, config);
  });
  afterEach(() => jest.useRealTimers());

  it('answers many first requests from one scan, with its time, the top and whether more exist', async () => {
    const requests = Array.from({ length: 20 }, () => stats.report());
    await jest.advanceTimersByTimeAsync(10);
    expect(store.scans).toHaveLength(1);
    // one more than listed, to know whether the list is cut
    expect(store.scans[0].top).toBe(4);
    store.scans[0].resolve(counts(4));
    const reports = await Promise.all(requests);
    for (const report of reports) {
      expect(report).toEqual({
        as_of: '2026-12-03T12:00:00.000Z',
        authors: counts(3),
        top: 3,
        truncated: true,
      });
    }
  });

  it('serves the last result while fresh, then refreshes it in the background, one scan at a time', async () => {
    const first = stats.report();
    store.scans[0].resolve(counts(2));
    expect((await first).truncated).toBe(false);
    await jest.advanceTimersByTimeAsync(15_000);
    for (let i = 0; i < 10; i++) await stats.report();
    expect(store.scans).toHaveLength(1); // not older than STATS_MAX_AGE_MS yet

    await jest.advanceTimersByTimeAsync(1);
    const stale = await Promise.all(Array.from({ length: 10 }, () => stats.report()));
    // answered at once from the last result; one scan started behind them
    expect(stale.every((r) => r.as_of === '2026-12-03T12:00:00.000Z')).toBe(true);
    expect(store.scans).toHaveLength(2);
    store.scans[1].resolve([{ author: 'new', posts: 1 }]);
    await jest.advanceTimersByTimeAsync(0);
    expect(await stats.report()).toMatchObject({
      as_of: '2026-12-03T12:00:15.001Z',
      authors: [{ author: 'new', posts: 1 }],
    });
    expect(store.scans).toHaveLength(2);
  });

  it('answers 503 when the first scan takes too long, and never starts a second beside it', async () => {
    const first = stats.report().catch((e: unknown) => e);
    await jest.advanceTimersByTimeAsync(FIRST_COUNT_WAIT_MS);
    const error = await first;
    expect(error).toBeInstanceOf(AuthorStatsPendingException);
    expect((error as AuthorStatsPendingException).getStatus()).toBe(503);
    expect((error as AuthorStatsPendingException).message).toContain('being counted');
    // later requests wait for the same scan
    const second = stats.report();
    await jest.advanceTimersByTimeAsync(1000);
    expect(store.scans).toHaveLength(1);
    store.scans[0].resolve(counts(1));
    expect((await second).authors).toEqual(counts(1));
  });

  it('after a failed scan answers 503 and waits a while before scanning again', async () => {
    const first = stats.report().catch((e: unknown) => e);
    store.scans[0].reject(new Error('store down'));
    const error = (await first) as AuthorStatsPendingException;
    expect(error).toBeInstanceOf(AuthorStatsPendingException);
    expect(error.message).toContain('could not be counted');
    // a burst of requests right after the failure starts no scan
    for (let i = 0; i < 5; i++) {
      await expect(stats.report()).rejects.toBeInstanceOf(AuthorStatsPendingException);
    }
    expect(store.scans).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(5_000);
    const retried = stats.report();
    expect(store.scans).toHaveLength(2);
    store.scans[1].resolve(counts(3));
    expect(await retried).toMatchObject({ authors: counts(3), truncated: false });
  });

  it('keeps serving the last result when a refresh fails', async () => {
    const first = stats.report();
    store.scans[0].resolve(counts(2));
    await first;
    await jest.advanceTimersByTimeAsync(20_000);
    await stats.report();
    store.scans[1].reject(new Error('store down'));
    await jest.advanceTimersByTimeAsync(0);
    expect(await stats.report()).toMatchObject({
      as_of: '2026-12-03T12:00:00.000Z',
      authors: counts(2),
    });
    // the failure holds the next scan back a little even though the result is stale
    expect(store.scans).toHaveLength(2);
    await jest.advanceTimersByTimeAsync(5_000);
    await stats.report();
    expect(store.scans).toHaveLength(3);
  });
});
