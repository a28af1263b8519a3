import { isUnavailable as isTransient, retryTransient } from '../../../src/store/store-errors';

const busy = () =>
  Object.assign(new Error('database is locked (5) (SQLITE_BUSY)'), { name: 'MongoServerError' });
const options = { attempts: 3, firstDelayMs: 1, maxDelayMs: 4 };

describe('retryTransient', () => {
  it('tells transient store errors from the others', () => {
    expect(isTransient(busy())).toBe(true);
    expect(isTransient(Object.assign(new Error('x'), { name: 'MongoNetworkError' }))).toBe(true);
    expect(
      isTransient(Object.assign(new Error('E11000 duplicate key'), { name: 'MongoServerError' })),
    ).toBe(false);
    expect(isTransient(new Error('a bug'))).toBe(false);
  });

  it('retries a transient error with growing pauses, then succeeds', async () => {
    const delays: number[] = [];
    let calls = 0;
    const result = await retryTransient(
      async () => {
        if (++calls < 3) throw busy();
        return 'done';
      },
      { ...options, onRetry: (_error, _attempt, delayMs) => delays.push(delayMs) },
    );
    expect(result).toBe('done');
    expect(delays).toEqual([1, 2]);
  });

  it('gives up after the last attempt, and at once on any other error', async () => {
    let calls = 0;
    await expect(
      retryTransient(async () => {
        calls++;
        throw busy();
      }, options),
    ).rejects.toThrow(/SQLITE_BUSY/);
    expect(calls).toBe(3);
    calls = 0;
    await expect(
      retryTransient(async () => {
        calls++;
        throw new Error('a bug');
      }, options),
    ).rejects.toThrow('a bug');
    expect(calls).toBe(1);
  });
});
