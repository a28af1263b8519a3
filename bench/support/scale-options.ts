/** bench:scale's options, read from the environment: pure, so the refusals are unit-tested. */

export interface ScaleOptions {
  sizes: number[];
  cassandra: boolean;
  mongo: boolean;
  /** epoch ms after which seeding stops (Infinity: never) */
  until: number;
  /** rounds of measurement: each size in turn, every route, the control included */
  rounds: number;
  /** seed the keyspaces, then stop (nothing measured) */
  seedOnly: boolean;
  mongoPosts: number;
  mongoSamples: number;
  mongoSeconds: number;
  seconds: number;
  connections: number;
}

/** The options, or the one line that says which one is wrong. */
export function parseScaleOptions(
  env: NodeJS.ProcessEnv,
): { options: ScaleOptions } | { error: string } {
  try {
    return { options: read(env) };
  } catch (error) {
    if (error instanceof OptionError) return { error: error.message };
    throw error;
  }
}

class OptionError extends Error {}

function read(env: NodeJS.ProcessEnv): ScaleOptions {
  const fail = (message: string): never => {
    throw new OptionError(message);
  };
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const n = /^\s*\d+\s*$/.test(raw) ? Number(raw) : NaN;
    if (!(n >= min && n <= max)) {
      fail(`${name} must be a whole number from ${min} to ${max} (got "${raw}")`);
    }
    return n;
  };
  const rawSizes = env.BENCH_SCALE_SIZES || '10000,100000,1000000';
  const sizes = rawSizes.split(',').map((s) => (/^\s*\d+\s*$/.test(s) ? Number(s) : NaN));
  // the deep page needs 51 pages of 20; the first chunk of each size seeds the 50-comment posts
  const ok = sizes.every((n, i) => n >= 1100 && n <= 10_000_000 && (i === 0 || n > sizes[i - 1]));
  if (!ok) {
    fail(
      `BENCH_SCALE_SIZES must be post counts from 1100 to 10000000, ascending, comma-separated (got "${rawSizes}")`,
    );
  }
  const parts = (env.BENCH_SCALE_PARTS || 'cassandra,mongo').split(',').map((p) => p.trim());
  if (!parts.length || parts.some((p) => p !== 'cassandra' && p !== 'mongo')) {
    fail(
      `BENCH_SCALE_PARTS must be cassandra, mongo or both, comma-separated (got "${env.BENCH_SCALE_PARTS}")`,
    );
  }
  const rawUntil = env.BENCH_SCALE_SEED_UNTIL;
  const until = rawUntil ? Date.parse(rawUntil) : Infinity;
  if (Number.isNaN(until)) {
    fail(
      `BENCH_SCALE_SEED_UNTIL must be a date and time, e.g. 2026-12-04T15:10:00Z (got "${rawUntil}")`,
    );
  }
  const rawSeedOnly = env.BENCH_SCALE_SEED_ONLY;
  if (rawSeedOnly !== undefined && !['', '0', '1'].includes(rawSeedOnly.trim())) {
    fail(`BENCH_SCALE_SEED_ONLY must be 1 (only seed, then stop) or 0 (got "${rawSeedOnly}")`);
  }
  const seedOnly = rawSeedOnly?.trim() === '1';
  if (seedOnly && !parts.includes('cassandra')) {
    fail(
      'BENCH_SCALE_SEED_ONLY=1 seeds the Cassandra part: BENCH_SCALE_PARTS must include cassandra',
    );
  }
  return {
    sizes,
    cassandra: parts.includes('cassandra'),
    mongo: parts.includes('mongo'),
    until,
    rounds: int('BENCH_SCALE_ROUNDS', 3, 1, 100),
    seedOnly,
    mongoPosts: int('BENCH_SCALE_MONGO_POSTS', 100_000, 0, 10_000_000),
    mongoSamples: int('BENCH_SCALE_MONGO_SAMPLES', 20, 1, 100_000),
    mongoSeconds: int('BENCH_SCALE_MONGO_SECONDS', 60, 1, 3600),
    seconds: int('BENCH_SECONDS', 10, 1, 3600),
    connections: int('BENCH_CONNECTIONS', 16, 1, 1000),
  };
}
