import { renderScale } from '../../../bench/support/bench-docs';
import { ScaleJson } from '../../../bench/support/results';
import { byPartition, spreadPost } from '../../../bench/support/scale-seed';
import { fakeComment } from '../../../bench/support/seed';
import {
  baseRowWrite,
  commentWrites,
  derivedRowWrites,
} from '../../../src/store/cassandra/cassandra-post-rows';

describe('bench:scale seeding units (the app rows, grouped by partition)', () => {
  const now = Date.parse('2026-12-01T00:00:00Z');
  const posts = Array.from({ length: 300 }, () => spreadPost(now));
  const comments = posts.flatMap((post) => Array.from({ length: 5 }, () => fakeComment(post)));
  const statements = [
    ...posts.flatMap((post) => [baseRowWrite('ks', post), ...derivedRowWrites('ks', post)]),
    ...comments.flatMap((comment) => commentWrites('ks', comment)),
  ];
  const units = byPartition(statements);
  const flat = units.flat();
  const table = (query: string) => /(?:INTO|UPDATE) ks\.(\w+)/.exec(query)?.[1];

  it('sends every row once, each listing partition once', () => {
    const listing = statements.filter((s) => table(s.query) === 'listing_partitions');
    const distinct = new Set(listing.map((s) => s.params.join('/')));
    expect(flat.filter((s) => table(s.query) !== 'listing_partitions')).toHaveLength(
      statements.length - listing.length,
    );
    expect(flat.filter((s) => table(s.query) === 'listing_partitions')).toHaveLength(distinct.size);
    expect(new Set(flat).size).toBe(flat.length);
  });

  it('batches one partition of one table together, or up to 10 rows alone in theirs', () => {
    for (const unit of units) {
      const tables = new Set(unit.map((s) => table(s.query)));
      expect(tables.size).toBe(1);
      const partitions = new Set(
        unit.map((s) =>
          s.query.startsWith('INSERT') ? s.params[0] : s.params[s.params.length - 1],
        ),
      );
      if (partitions.size > 1) expect(unit.length).toBeLessThanOrEqual(10);
      expect(unit.length).toBeLessThanOrEqual(40);
    }
    // a post's 5 comments share their comments_by_post partition: one batch
    const byPost = units.filter((u) => table(u[0].query) === 'comments_by_post');
    expect(byPost).toHaveLength(posts.length);
  });

  it('spreads created_at over ten years before now', () => {
    const months = new Set(posts.map((p) => p.createdAt.toISOString().slice(0, 7)));
    expect(Math.min(...posts.map((p) => p.createdAt.getTime()))).toBeGreaterThan(
      now - 121 * 31 * 86_400_000,
    );
    expect(Math.max(...posts.map((p) => p.createdAt.getTime()))).toBeLessThanOrEqual(now);
    expect(months.size).toBeGreaterThan(80);
  });
});

describe('bench:scale in docs/benchmarks.md', () => {
  const row = (posts: number, route: string, p50: number) => ({
    posts,
    route,
    connections: 16,
    requests_per_second: 16_000 / p50,
    p50_ms: p50,
    p99_ms: p50 * 3,
    requests: 1000,
    unexpected: 0,
  });
  const size = (posts: number) => ({
    posts,
    comments: posts * 5,
    added_posts: posts,
    added_comments: posts * 5,
    rows: posts * 14,
    seed_seconds: posts / 300,
    rows_per_second: 4200,
    data_bytes: posts * 3 * 2 ** 10,
    load_average: [1.5, 2, 2.5],
  });
  const data: ScaleJson = {
    meta: {
      source: 'npm run bench:scale',
      date: '2026-12-04T15:00:00.000Z',
      commit: 'abc1234',
      dirty: false,
      node: 'v20.19.0',
      cpus: 2,
      servers: 'the test stack',
      options: { BENCH_SCALE_SIZES: '10000,1000000' },
    },
    sizes: [size(10_000), size(1_000_000)],
    rows: [
      row(10_000, 'GET / (home)', 40),
      row(10_000, 'GET /?sort=title', 50),
      row(1_000_000, 'GET / (home)', 44),
      row(1_000_000, 'GET /?sort=title', 80),
    ],
    ratios: [
      {
        name: 'GET / (home) p50, 1M / 10k',
        numerator: 44,
        denominator: 40,
        value: 1.1,
        target: '≤ 1.30',
        met: true,
      },
      {
        name: 'GET /?sort=title p50, 1M / 10k',
        numerator: 80,
        denominator: 50,
        value: 1.6,
        target: '≤ 1.30',
        met: false,
      },
    ],
    cassandra_measured: { date: '2026-12-04T15:00:00.000Z', commit: 'abc1234', dirty: false },
    mongo: {
      date: '2026-12-04T14:00:00.000Z',
      commit: 'def5678',
      dirty: true,
      server: 'the stack',
      posts: 100_000,
      comments: 500_000,
      seed_seconds: 400,
      timeout_ms: 10_000,
      rows: [
        {
          query: 'home: newest 21',
          samples: 3,
          timeouts: 2,
          errors: 0,
          p50_ms: 7657.25,
          p99_ms: 9000,
          max_ms: 9000,
        },
      ],
    },
  };

  it('shows each size, each route per size with the ratio column, and the Mongo queries', () => {
    const out = renderScale(data);

    expect(out).toContain(
      [
        '|     posts |  comments | rows written | seconds | rows/s | keyspace on disk, MiB | load average |',
        '| --------: | --------: | -----------: | ------: | -----: | --------------------: | -----------: |',
        '|    10 000 |    50 000 |      140 000 |      33 |  4 200 |                    29 |  1.5 2.0 2.5 |',
        '| 1 000 000 | 5 000 000 |   14 000 000 |   3 333 |  4 200 |                 2 930 |  1.5 2.0 2.5 |',
      ].join('\n'),
    );
    expect(out).toContain(
      [
        '| route            | 10k req/s | 10k p50/p99 ms | 1M req/s | 1M p50/p99 ms | p50 1M/10k |',
        '| ---------------- | --------: | -------------: | -------: | ------------: | ---------: |',
        '| GET / (home)     |       400 |       40 / 120 |      364 |      44 / 132 |  1.10 pass |',
        '| GET /?sort=title |       320 |       50 / 150 |      200 |      80 / 240 |  1.60 FAIL |',
      ].join('\n'),
    );
    expect(out).toContain(
      '| GET /?sort=title p50, 1M / 10k | 80 / 50 |  1.60 | ≤ 1.30 | not met |',
    );
    expect(out).toContain(
      '| home: newest 21 |       3 |        2 |      0 | 7657.3 | 9000.0 | 9000.0 |',
    );
    expect(out).toContain(
      'measured 2026-12-04T14:00:00.000Z on code `def5678` with uncommitted changes',
    );
  });

  it("shows the app's pages in mongo, alone and under load, against the issue's targets", () => {
    const page = (route: string, connections: number, p50: number, max: number, bad = 0) => ({
      route,
      connections,
      requests_per_second: 1000 / p50,
      p50_ms: p50,
      p99_ms: max,
      max_ms: max,
      requests: 100,
      unexpected: bad,
    });
    const out = renderScale({
      ...data,
      mongo: {
        ...data.mongo!,
        pages: [
          page('GET / (home)', 1, 62.5, 120),
          page('GET / (home)', 16, 900, 3000),
          page('GET /post/:id (50 comments)', 1, 125, 300),
          page('GET /post/:id (50 comments)', 16, 400, 12_000),
          page('GET /?sort=title', 1, 80, 100),
          page('GET /?sort=title', 16, 500, 900, 2),
        ],
      },
    });

    expect(out).toContain('each route one request at a time, then 16 at once');
    expect(out).toContain(
      '| GET / (home)                |      16 |     1 |  900.0 |  3000.0 |  3000.0 |          0 |',
    );
    expect(out).toContain(
      '| GET / (home) p50 ms, alone                         | 62.50 |                 < 250 | met     |',
    );
    expect(out).toContain(
      '| GET /post/:id (50 comments) p50 ms, alone          |   125 |                 < 100 | not met |',
    );
    expect(out).toContain(
      '| GET /post/:id (50 comments) slowest ms, 16 at once | 12000 | ≤ 10 000, none failed | not met |',
    );
    // a request that failed fails the target, however fast the others were
    expect(out).toContain(
      '| GET /?sort=title slowest ms, 16 at once            |   900 | ≤ 10 000, none failed | not met |',
    );
    // no target for the title sort alone
    expect(out).not.toContain('GET /?sort=title p50 ms, alone');
  });

  it('leaves the Cassandra tables out when a run measured only the Mongo part', () => {
    const out = renderScale({ ...data, sizes: [], rows: [], ratios: [], cassandra_measured: null });

    expect(out).not.toContain('req/s');
    expect(out).toContain('home: newest 21');
  });
});
