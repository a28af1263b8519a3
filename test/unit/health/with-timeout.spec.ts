import { TimeoutError, reasonOf, withTimeout } from '../../../src/common/with-timeout';

describe('withTimeout', () => {
  it('returns the value when the work is quick', async () => {
    await expect(withTimeout(Promise.resolve(7), 50, 'x')).resolves.toBe(7);
  });

  it('rejects with a TimeoutError naming the store once the time is up', async () => {
    const started = Date.now();
    const never = new Promise<never>(() => undefined);
    await expect(withTimeout(never, 50, 'Cassandra')).rejects.toThrow(
      new TimeoutError('Cassandra did not answer within 50 ms'),
    );
    expect(Date.now() - started).toBeLessThan(500);
  });

  it('swallows a late rejection of the abandoned work', async () => {
    const unhandled = jest.fn();
    process.on('unhandledRejection', unhandled);
    try {
      const late = new Promise((_resolve, reject) =>
        setTimeout(() => reject(new Error('late')), 20),
      );
      await expect(withTimeout(late, 5, 'x')).rejects.toBeInstanceOf(TimeoutError);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(unhandled).not.toHaveBeenCalled();
    } finally {
      process.off('unhandledRejection', unhandled);
    }
  });

  it('keeps only the first line of an error as the reason', () => {
    expect(reasonOf(new Error('first\nsecond'))).toBe('first');
    expect(reasonOf('plain')).toBe('plain');
  });
});
