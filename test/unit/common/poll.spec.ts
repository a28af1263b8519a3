import { pollUntil } from '../../../src/common/poll';

// Fake timers (Date.now and setTimeout): the pauses take no real time and every read happens at
// an exact moment, however busy the machine is.
describe('pollUntil', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  /** Starts pollUntil with a read that records when (ms after the start) it was called. */
  function poll(done: (reads: number) => boolean, options: { waitMs: number; everyMs: number }) {
    const started = Date.now();
    const readAt: number[] = [];
    let settled = false;
    const result = pollUntil(async () => readAt.push(Date.now() - started), done, options).finally(
      () => (settled = true),
    );
    return { result, readAt, settled: () => settled };
  }

  it('reads until done accepts the value', async () => {
    const { result, readAt } = poll((v) => v === 3, { waitMs: 5000, everyMs: 10 });
    await jest.advanceTimersByTimeAsync(20);
    const { value, seconds } = await result;
    expect(value).toBe(3);
    expect(readAt).toEqual([0, 10, 20]);
    expect(seconds).toBe(0.02);
  });

  it('gives up at the deadline with the last value read, not a pause later', async () => {
    const { result, readAt, settled } = poll(() => false, { waitMs: 250, everyMs: 200 });
    await jest.advanceTimersByTimeAsync(249);
    expect(settled()).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    // done at the deadline itself: no pause of `everyMs` after it
    expect(settled()).toBe(true);
    const { value, seconds } = await result;
    expect(readAt).toEqual([0, 200, 250]);
    expect(value).toBe(3);
    expect(seconds).toBeGreaterThanOrEqual(0.25);
    expect(seconds).toBe(0.25);
  });
});
