import { Spread } from '../../integration/helpers/spread';

/** The load clients' operation mix counts on this: every stretch of draws holds its share. */
describe('Spread', () => {
  const draws = (n: number) => {
    const spread = new Spread();
    return Array.from({ length: n }, () => spread.next());
  };

  it('stays in [0, 1) and does not repeat', () => {
    const xs = draws(10_000);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(new Set(xs).size).toBe(xs.length);
  });

  it('puts n·p of any n draws in a row into any interval of width p, give or take two', () => {
    const xs = draws(4000);
    const intervals = [
      [0, 0.5],
      [0.95, 1],
      [0, 0.67],
      [0.5, 0.575],
      [0.75, 0.95],
    ];
    let worst = 0;
    for (const [lo, hi] of intervals) {
      for (const n of [10, 100, 300, 1000]) {
        for (let from = 0; from + n <= xs.length; from += 13) {
          const inside = xs.slice(from, from + n).filter((x) => x >= lo && x < hi).length;
          worst = Math.max(worst, Math.abs(inside - n * (hi - lo)));
        }
      }
    }
    expect(worst).toBeLessThanOrEqual(2 + 1e-9);
  });
});
