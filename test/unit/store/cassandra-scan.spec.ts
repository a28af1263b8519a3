import { mapConcurrent } from '../../../src/common/map-concurrent';
import { tokenRanges } from '../../../src/store/cassandra/cassandra-scan';

describe('tokenRanges', () => {
  it.each([1, 4, 16, 7])('splits the whole Murmur3 ring into %i contiguous ranges', (count) => {
    const ranges = tokenRanges(count).map(({ start, end }) => ({
      start: BigInt(start.toString()),
      end: BigInt(end.toString()),
    }));
    expect(ranges).toHaveLength(count);
    expect(ranges[0].start).toBe(-(2n ** 63n)); // exclusive: never a real token
    expect(ranges[count - 1].end).toBe(2n ** 63n - 1n);
    for (let i = 0; i < count; i++) {
      expect(ranges[i].end > ranges[i].start).toBe(true);
      if (i > 0) expect(ranges[i].start).toBe(ranges[i - 1].end);
    }
  });
});

describe('mapConcurrent', () => {
  it('keeps the input order and never runs more than the limit at once', async () => {
    let running = 0;
    let peak = 0;
    const results = await mapConcurrent([5, 1, 4, 2, 3, 0], 2, async (n) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setTimeout(resolve, n * 3));
      running--;
      return n * 10;
    });
    expect(results).toEqual([50, 10, 40, 20, 30, 0]);
    expect(peak).toBe(2);
  });
});
