import { renderStandin } from '../../../bench/support/bench-docs';
import { StandinJson, StandinRowJson } from '../../../bench/support/results';

const row = (over: Partial<StandinRowJson>): StandinRowJson => ({
  candidate: 'ferretdb-sqlite',
  posts: 10_000,
  query: 'post by _id',
  connections: 1,
  p50_ms: 30.04,
  p99_ms: 120.6,
  samples: 50,
  max_ms: null,
  over_10s: null,
  failed: null,
  ...over,
});

const data: StandinJson = {
  meta: {
    source: 'npm run bench:standin',
    date: '2026-12-04T15:00:00.000Z',
    commit: 'abc1234',
    dirty: false,
    node: 'v20.19.0',
    cpus: 2,
    servers: 'FerretDB 1.24',
    options: { BENCH_STANDIN_SIZES: '10000,100000' },
  },
  rows: [
    row({}),
    row({ candidate: 'ferretdb-postgres', p50_ms: 3.2, p99_ms: 8.81 }),
    row({ posts: 100_000, p50_ms: 299.4, p99_ms: 1234.5 }),
    row({
      query: 'home (newest 20)',
      connections: 16,
      p50_ms: null,
      p99_ms: null,
      max_ms: null,
      samples: 16,
      over_10s: 16,
    }),
    row({
      candidate: 'ferretdb-postgres',
      query: 'home (newest 20)',
      connections: 16,
      p50_ms: 900,
      p99_ms: 1500,
      max_ms: 1600.4,
      samples: 80,
      over_10s: 0,
      failed: 0,
    }),
  ],
  run_seconds: 1500,
};

describe('renderStandin', () => {
  const text = renderStandin(data);

  it('puts each candidate and size in a column, smaller sizes first', () => {
    expect(text).toContain(
      '| one call at a time: p50 / p99 ms | ferretdb-sqlite 10k | ferretdb-postgres 10k | ferretdb-sqlite 100k |',
    );
    expect(text).toMatch(/\| post by _id +\| +30\.0 \/ 121 \| +3\.20 \/ 8\.81 \| +299 \/ 1235 \|/);
  });

  it('shows the load table with calls over 10 s, and calls unanswered at the cap', () => {
    expect(text).toContain('| 16 calls at once: p50 / max ms |');
    expect(text).toMatch(
      /\| home \(newest 20\) +\| unanswered; 16 of 16 over 10 s \| 900 \/ 1600; 0 of 80 over 10 s \| +\|/,
    );
  });

  it('says how long the run took', () => {
    expect(text).toContain('The run took 25 min, seeding included.');
  });
});
