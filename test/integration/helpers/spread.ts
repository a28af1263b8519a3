/**
 * Evenly spread numbers in [0, 1): k·φ mod 1 for k = 1, 2, … (φ the golden ratio's fraction).
 * Used instead of Math.random() for the operation mix, which the tests count on: any n draws in
 * a row put n·p of them below p, give or take two, so a run of a few hundred operations always
 * holds its share of deletions (random draws once gave 3 deletions of pre-existing posts where
 * about 15 were expected, and a test that counts on them failed).
 */
export class Spread {
  private static readonly PHI = (Math.sqrt(5) - 1) / 2;
  private k = 0;

  next(): number {
    return (++this.k * Spread.PHI) % 1;
  }
}
