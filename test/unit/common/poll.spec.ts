import { pollUntil } from '../../../src/common/poll';

describe('pollUntil', () => {
  it('reads until done accepts the value', async () => {
    let n = 0;
    const { value } = await pollUntil(
      async () => ++n,
      (v) => v === 3,
      {
        waitMs: 5000,
        everyMs: 10,
      },
    );
    expect(value).toBe(3);
  });

  it('gives up at the deadline with the last value read, not a pause later', async () => {
    let reads = 0;
    const { value, seconds } = await pollUntil(
      async () => ++reads,
      () => false,
      {
        waitMs: 250,
        everyMs: 200,
      },
    );
    expect(reads).toBe(3); // at 0, 200 and 250 ms
    expect(value).toBe(3);
    expect(seconds).toBeGreaterThanOrEqual(0.25);
    expect(seconds).toBeLessThan(1);
  });
});
