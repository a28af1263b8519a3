import { renderScale } from '../../../bench/support/bench-docs';
import { ScaleJson } from '../../../bench/support/results';
import { parseScaleOptions } from '../../../bench/support/scale-options';
import {
  ScaleRoundRow,
  median,
  medianRows,
  roundOrder,
  roundRatios,
  scaleRatios,
  sizeLabel,
} from '../../../bench/support/scale-report';
import { CONTROL_ROUTE, MEASURED_ROUTES } from '../../../bench/support/scale-routes';
import {
  CHUNK,
  FULL_THREAD,
  FULL_THREADS,
  keyspaceOf,
  scaleChunk,
} from '../../../bench/support/scale-seed';

describe('bench:scale options', () => {
  const ok = (env: NodeJS.ProcessEnv) => {
    const parsed = parseScaleOptions(env);
    if ('error' in parsed) throw new Error(parsed.error);
    return parsed.options;
  };
  const error = (env: NodeJS.ProcessEnv) => {
    const parsed = parseScaleOptions(env);
    return 'error' in parsed ? parsed.error : undefined;
  };

  it('defaults to 10k, 100k and 1M posts, 3 rounds, both parts, measured', () => {
    expect(ok({})).toEqual({
      sizes: [10_000, 100_000, 1_000_000],
      cassandra: true,
      mongo: true,
      until: Infinity,
      rounds: 3,
      seedOnly: false,
      mongoPosts: 100_000,
      mongoSamples: 20,
      mongoSeconds: 60,
      seconds: 10,
      connections: 16,
    });
  });

  it('reads BENCH_SCALE_ROUNDS and BENCH_SCALE_SEED_ONLY, and keeps the earlier names', () => {
    const options = ok({
      BENCH_SCALE_ROUNDS: '5',
      BENCH_SCALE_SEED_ONLY: '1',
      BENCH_SCALE_SIZES: '1100, 2200',
      BENCH_SCALE_PARTS: 'cassandra',
      BENCH_SCALE_SEED_UNTIL: '2026-12-05T09:00:00Z',
      BENCH_SECONDS: '5',
    });
    expect(options).toMatchObject({
      rounds: 5,
      seedOnly: true,
      sizes: [1100, 2200],
      cassandra: true,
      mongo: false,
      until: Date.parse('2026-12-05T09:00:00Z'),
      seconds: 5,
    });
    expect(ok({ BENCH_SCALE_SEED_ONLY: '0' }).seedOnly).toBe(false);
    expect(ok({ BENCH_SCALE_SEED_ONLY: '' }).seedOnly).toBe(false);
  });

  it.each([
    [
      { BENCH_SCALE_ROUNDS: '0' },
      'BENCH_SCALE_ROUNDS must be a whole number from 1 to 100 (got "0")',
    ],
    [{ BENCH_SCALE_ROUNDS: 'three' }, 'BENCH_SCALE_ROUNDS must be a whole number from 1 to 100'],
    [{ BENCH_SCALE_ROUNDS: '2.5' }, 'BENCH_SCALE_ROUNDS must be a whole number from 1 to 100'],
    [
      { BENCH_SCALE_SEED_ONLY: 'yes' },
      'BENCH_SCALE_SEED_ONLY must be 1 (only seed, then stop) or 0',
    ],
    [
      { BENCH_SCALE_SEED_ONLY: '1', BENCH_SCALE_PARTS: 'mongo' },
      'BENCH_SCALE_SEED_ONLY=1 seeds the Cassandra part',
    ],
    [{ BENCH_SCALE_SIZES: '100000,10000' }, 'BENCH_SCALE_SIZES must be post counts'],
    [{ BENCH_SCALE_SIZES: '500' }, 'from 1100 to 10000000'],
    [{ BENCH_SCALE_PARTS: 'redis' }, 'BENCH_SCALE_PARTS must be cassandra, mongo or both'],
    [{ BENCH_SCALE_SEED_UNTIL: 'soon' }, 'BENCH_SCALE_SEED_UNTIL must be a date and time'],
    [{ BENCH_SECONDS: '-1' }, 'BENCH_SECONDS must be a whole number from 1 to 3600'],
  ])('refuses %j with one line', (env, message) => {
    const line = error(env);
    expect(line).toContain(message);
    expect(line).not.toContain('\n');
  });
});

describe('bench:scale keyspaces and chunks', () => {
  it('names a keyspace per size', () => {
    expect([10_000, 100_000, 1_000_000, 1100].map(keyspaceOf)).toEqual([
      'scale_10k',
      'scale_100k',
      'scale_1m',
      'scale_1100',
    ]);
  });

  it('makes a chunk from its index alone: a rerun writes the same rows', () => {
    const anchor = Date.parse('2026-12-05T00:00:00Z');
    const first = scaleChunk(3, 1_000_000, anchor);
    expect(scaleChunk(3, 1_000_000, anchor)).toEqual(first);
    expect(scaleChunk(4, 1_000_000, anchor).posts[0].id).not.toBe(first.posts[0].id);
    expect(first.posts).toHaveLength(CHUNK);
    expect(first.comments).toHaveLength(CHUNK * 5);
    expect(first.threads).toEqual([]);
    expect(new Set(first.posts.map((p) => p.id)).size).toBe(CHUNK);
    for (const post of first.posts) {
      expect(post.id).toMatch(/^[0-9a-f]{24}$/);
      expect(post.createdAt.getTime()).toBeLessThanOrEqual(anchor);
      expect(post.version).toBe(post.createdAt.getTime() * 1000);
    }
  });

  it('gives the first chunk its full threads, and the last chunk what is left', () => {
    const chunk = scaleChunk(0, 1100, Date.parse('2026-12-05T00:00:00Z'));
    expect(chunk.posts).toHaveLength(1100);
    expect(chunk.comments).toHaveLength(5500);
    expect(chunk.threads).toHaveLength(FULL_THREADS);
    for (const id of chunk.threads) {
      expect(chunk.comments.filter((c) => c.postId === id)).toHaveLength(FULL_THREAD);
    }
    expect(scaleChunk(2, 2 * CHUNK + 100, 0).posts).toHaveLength(100);
  });
});

describe('bench:scale rounds', () => {
  const row = (round: number, posts: number, route: string, p50: number | null): ScaleRoundRow => ({
    round,
    posts,
    route,
    connections: 16,
    requests_per_second: p50 === null ? 0 : 16_000 / p50,
    p50_ms: p50,
    p99_ms: p50 === null ? null : p50 * 3,
    requests: 100,
    unexpected: p50 === null ? 16 : 0,
  });
  const home = 'GET / (home)';
  const rounds: ScaleRoundRow[] = [
    row(1, 10_000, CONTROL_ROUTE, 10),
    row(1, 10_000, home, 40),
    row(1, 1_000_000, CONTROL_ROUTE, 11),
    row(1, 1_000_000, home, 60),
    row(2, 10_000, CONTROL_ROUTE, 12),
    row(2, 10_000, home, 50),
    row(2, 1_000_000, CONTROL_ROUTE, 12),
    row(2, 1_000_000, home, 44),
    row(3, 10_000, CONTROL_ROUTE, 9),
    row(3, 10_000, home, 30),
    row(3, 1_000_000, CONTROL_ROUTE, 10),
    row(3, 1_000_000, home, null),
  ];
  const sizes = [10_000, 1_000_000];
  const routes = [CONTROL_ROUTE, home];

  it('takes the median of the rounds, leaving out a round with no answer', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    expect(median([])).toBeNull();
    const rows = medianRows(rounds, sizes, routes);
    expect(rows.map((r) => [r.posts, r.route, r.p50_ms, r.p99_ms])).toEqual([
      [10_000, CONTROL_ROUTE, 10, 30],
      [10_000, home, 40, 120],
      [1_000_000, CONTROL_ROUTE, 11, 33],
      [1_000_000, home, 52, 156],
    ]);
    expect(rows[3].requests_per_second).toBeCloseTo(16_000 / 60);
    expect(rows[3].unexpected).toBe(16);
  });

  it('divides the largest size by the smallest; the control has no target', () => {
    const ratios = scaleRatios(medianRows(rounds, sizes, routes), sizes, routes);
    expect(ratios).toEqual([
      {
        name: "GET /login (control) p50, 1M / 10k (the machine's noise)",
        numerator: 11,
        denominator: 10,
        value: 1.1,
        target: null,
        met: null,
      },
      {
        name: 'GET / (home) p50, 1M / 10k',
        numerator: 52,
        denominator: 40,
        value: 1.3,
        target: '≤ 1.30',
        met: true,
      },
    ]);
    expect(scaleRatios([], [10_000], routes)).toEqual([]);
  });

  it('gives each round its own ratio, null where a size did not answer', () => {
    expect(roundRatios(rounds, sizes, [home])).toEqual([
      { round: 1, route: home, value: 1.5 },
      { round: 2, route: home, value: 0.88 },
      { round: 3, route: home, value: null },
    ]);
  });

  it('rotates the order of the sizes from round to round', () => {
    expect([1, 2, 3, 4].map((r) => roundOrder(['a', 'b', 'c'], r))).toEqual([
      ['a', 'b', 'c'],
      ['b', 'c', 'a'],
      ['c', 'a', 'b'],
      ['a', 'b', 'c'],
    ]);
    expect(sizeLabel(1_000_000)).toBe('1M');
    expect(MEASURED_ROUTES[0]).toBe(CONTROL_ROUTE);
  });

  it('renders the medians, the control, the ratios and each round in docs/benchmarks.md', () => {
    const roundRows = rounds.filter((r) => r.p50_ms !== null);
    const rows = medianRows(roundRows, sizes, routes);
    const size = (posts: number, keyspace: string) => ({
      posts,
      comments: posts * 5,
      added_posts: posts,
      added_comments: posts * 5,
      rows: posts * 14,
      seed_seconds: posts / 300,
      rows_per_second: 4200,
      data_bytes: posts * 2 * 2 ** 10,
      load_average: [1, 2, 3],
      keyspace,
      rows_this_run: 0,
    });
    const data: ScaleJson = {
      meta: {
        source: 'npm run bench:scale',
        date: '2026-12-05T09:00:00.000Z',
        commit: 'abc1234',
        dirty: false,
        node: 'v20.19.0',
        cpus: 2,
        servers: 'the test stack',
        options: { BENCH_SECONDS: 10, BENCH_SCALE_ROUNDS: 3 },
      },
      sizes: [size(10_000, 'scale_10k'), size(1_000_000, 'scale_1m')],
      rows,
      ratios: scaleRatios(rows, sizes, routes),
      rounds: 3,
      round_rows: roundRows,
      round_ratios: roundRatios(roundRows, sizes, routes),
      cassandra_measured: { date: '2026-12-05T09:00:00.000Z', commit: 'abc1234', dirty: false },
      mongo: null,
    };
    const out = renderScale(data);

    expect(out).toContain(
      [
        '| keyspace    |     posts |  comments | rows written | seconds | rows/s | keyspace on disk, MiB | load average |',
        '| ----------- | --------: | --------: | -----------: | ------: | -----: | --------------------: | -----------: |',
        '| `scale_10k` |    10 000 |    50 000 |      140 000 |      33 |  4 200 |                    20 |  1.0 2.0 3.0 |',
        '| `scale_1m`  | 1 000 000 | 5 000 000 |   14 000 000 |   3 333 |  4 200 |                 1 953 |  1.0 2.0 3.0 |',
      ].join('\n'),
    );
    expect(out).toContain('Medians of 3 rounds; in each round every size in turn');
    expect(renderScale({ ...data, interleave: 'route' })).toContain(
      'Medians of 3 rounds; in each round a fresh app per size, and every route on every size one after the other',
    );
    expect(out).toContain(
      [
        '| route                | 10k req/s | 10k p50/p99 ms | 1M req/s | 1M p50/p99 ms |   p50 1M/10k |',
        '| -------------------- | --------: | -------------: | -------: | ------------: | -----------: |',
        '| GET /login (control) |      1600 |        10 / 30 |     1455 |       11 / 33 | 1.10 control |',
        '| GET / (home)         |       400 |       40 / 120 |      315 |      52 / 156 |    1.30 pass |',
      ].join('\n'),
    );
    expect(out).toContain(
      "| GET /login (control) p50, 1M / 10k (the machine's noise) | 11 / 10 |  1.10 |   none |        |",
    );
    expect(out).toContain(
      [
        '| p50 1M/10k in each round | round 1 | round 2 | round 3 |',
        '| ------------------------ | ------: | ------: | ------: |',
        '| GET /login (control)     |    1.10 |    1.00 |    1.11 |',
        '| GET / (home)             |    1.50 |    0.88 |         |',
      ].join('\n'),
    );
  });
});
