/**
 * A small seeded PRNG (mulberry32) and the choices the generators make with it. Seeded, so a
 * run is repeatable: the same seed gives the same cases, byte for byte.
 */
export class Prng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[Math.floor(this.next() * items.length)];
  }

  /** Picks with weights: `[[weight, value], ...]`. */
  weighted<T>(choices: readonly (readonly [number, T])[]): T {
    const total = choices.reduce((sum, [weight]) => sum + weight, 0);
    let at = this.next() * total;
    for (const [weight, value] of choices) {
      at -= weight;
      if (at < 0) return value;
    }
    return choices[choices.length - 1][1];
  }
}

/** 32-bit FNV-1a of a text: turns names (a phase) into seed material. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * The PRNG of one case: derived from the run's seed, the phase and the case's index, so any
 * single case can be regenerated (replayed) without generating the ones before it.
 */
export function casePrng(seed: number, phase: string, index: number): Prng {
  return new Prng((hash32(`${seed}:${phase}:${index}`) ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0);
}

/** The run's seed: HOSTILE_SEED when given (to replay a run), else a new one. */
export function runSeed(env: Record<string, string | undefined> = process.env): number {
  const given = env.HOSTILE_SEED;
  if (given !== undefined && given !== '') {
    if (!/^\d{1,10}$/.test(given) || Number(given) > 0xffffffff) {
      throw new Error(`HOSTILE_SEED must be an integer from 0 to 4294967295, not ${given}`);
    }
    return Number(given);
  }
  return Math.floor(Math.random() * 0x100000000) >>> 0;
}
