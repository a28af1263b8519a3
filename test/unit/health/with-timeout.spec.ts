import { TimeoutError, reasonOf, withTimeout } from '../../../src/common/with-timeout';

describe('withTimeout', () => {
  it('returns the value when the work is quick', async () => {
    await expect(withTimeout(Promise.resolve(7), 50, 'x')).resolves.toBe(7);
  });

  describe('with fake timers (exact moments, whatever the machine load)', () => {
    beforeEach(() => jest.useFakeTimers());
    afterEach(() => jest.useRealTimers());

    it('rejects with a TimeoutError naming the store once the time is up, not before', async () => {
      const never = new Promise<never>(() => undefined);
      const outcome = withTimeout(never, 50, 'Cassandra').then(
        () => 'resolved',
        (error: unknown) => error,
      );
      let settled = false;
      void outcome.finally(() => (settled = true));
      await jest.advanceTimersByTimeAsync(49);
      expect(settled).toBe(false);
      await jest.advanceTimersByTimeAsync(1);
      expect(settled).toBe(true);
      expect(await outcome).toEqual(new TimeoutError('Cassandra did not answer within 50 ms'));
      expect(jest.getTimerCount()).toBe(0);
    });

    it('clears its timer when the work answers in time', async () => {
      const quick = new Promise<number>((resolve) => setTimeout(() => resolve(7), 10));
      const result = withTimeout(quick, 50, 'x');
      await jest.advanceTimersByTimeAsync(10);
      await expect(result).resolves.toBe(7);
      expect(jest.getTimerCount()).toBe(0);
    });

    it('swallows a late rejection of the abandoned work', async () => {
      const unhandled = jest.fn();
      process.on('unhandledRejection', unhandled);
      try {
        const late = new Promise((_resolve, reject) =>
          setTimeout(() => reject(new Error('late')), 20),
        );
        const result = withTimeout(late, 5, 'x');
        const rejected = expect(result).rejects.toBeInstanceOf(TimeoutError);
        await jest.advanceTimersByTimeAsync(5);
        await rejected;
        await jest.advanceTimersByTimeAsync(15); // the late rejection
        expect(jest.getTimerCount()).toBe(0);
        // Node reports an unhandled rejection once the microtasks after it have run: let the
        // real event loop turn once
        await new Promise((resolve) =>
          jest.requireActual<typeof import('node:timers')>('node:timers').setImmediate(resolve),
        );
        expect(unhandled).not.toHaveBeenCalled();
      } finally {
        process.off('unhandledRejection', unhandled);
      }
    });
  });

  it('keeps only the first line of an error as the reason', () => {
    expect(reasonOf(new Error('first\nsecond'))).toBe('first');
    expect(reasonOf('plain')).toBe('plain');
  });
});
