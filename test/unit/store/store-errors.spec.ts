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

  describe('with fake timers (exact pauses, whatever the machine load)', () => {
    beforeEach(() => jest.useFakeTimers());
    afterEach(() => jest.useRealTimers());

    it('retries a transient error with growing pauses, then succeeds', async () => {
      const delays: number[] = [];
      const started = Date.now();
      const calledAt: number[] = [];
      const result = retryTransient(
        async () => {
          calledAt.push(Date.now() - started);
          if (calledAt.length < 3) throw busy();
          return 'done';
        },
        { ...options, onRetry: (_error, _attempt, delayMs) => delays.push(delayMs) },
      );
      await jest.advanceTimersByTimeAsync(3);
      await expect(result).resolves.toBe('done');
      expect(delays).toEqual([1, 2]);
      // it really pauses that long before each retry
      expect(calledAt).toEqual([0, 1, 3]);
    });

    it('pauses no longer than maxDelayMs', async () => {
      const started = Date.now();
      const calledAt: number[] = [];
      const result = retryTransient(
        async () => {
          calledAt.push(Date.now() - started);
          throw busy();
        },
        { attempts: 5, firstDelayMs: 1, maxDelayMs: 4 },
      ).catch((error: unknown) => error);
      await jest.advanceTimersByTimeAsync(11);
      expect(await result).toMatchObject({ message: expect.stringMatching(/SQLITE_BUSY/) });
      expect(calledAt).toEqual([0, 1, 3, 7, 11]); // pauses of 1, 2, 4 and 4 ms
    });

    it('gives up after the last attempt, and at once on any other error', async () => {
      let calls = 0;
      const lastAttempt = retryTransient(async () => {
        calls++;
        throw busy();
      }, options);
      const rejected = expect(lastAttempt).rejects.toThrow(/SQLITE_BUSY/);
      await jest.advanceTimersByTimeAsync(3);
      await rejected;
      expect(calls).toBe(3);
      calls = 0;
      await expect(
        retryTransient(async () => {
          calls++;
          throw new Error('a bug');
        }, options),
      ).rejects.toThrow('a bug');
      expect(calls).toBe(1);
      expect(jest.getTimerCount()).toBe(0);
    });
  });
});
