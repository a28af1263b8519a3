import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  generateBenchmarkDoc,
  grouped,
  renderInput,
  renderRunbook,
  renderSecondary,
  replaceBlocks,
  table,
} from '../../../bench/support/bench-docs';
import {
  InputJson,
  PagesJson,
  ResultsMeta,
  RunbookJson,
  SecondaryJson,
} from '../../../bench/support/results';

const ROOT = path.resolve(__dirname, '..', '..', '..');

const meta: ResultsMeta = {
  source: 'npm run bench:pages',
  date: '2026-12-01T10:00:00.000Z',
  commit: 'abc1234',
  dirty: false,
  node: 'v20.19.0',
  cpus: 2,
  servers: 'the test stack',
  options: { BENCH_POSTS: 100, BENCH_SECONDS: 10 },
};

const pages: PagesJson = {
  meta,
  rows: [
    {
      phase: 'cassandra',
      route: 'POST /create, alone',
      connections: 1,
      requests_per_second: 519.6,
      p50_ms: 1.4512,
      p99_ms: 7.7,
      requests: 5196,
      unexpected: 0,
    },
    {
      phase: 'mongo',
      route: 'GET /',
      connections: 16,
      requests_per_second: 0,
      p50_ms: null,
      p99_ms: null,
      requests: 0,
      unexpected: 0,
    },
  ],
  ratios: [
    {
      name: 'home page in `cassandra` / trivial route, req/s',
      numerator: 1327,
      denominator: 3518,
      value: 1327 / 3518,
      target: '≥ 0.30',
      met: true,
    },
  ],
};

const DOC = [
  '# Benchmarks',
  '',
  'Hand-written text before.',
  '',
  '<!-- bench:pages:begin -->',
  'stale table',
  '<!-- bench:pages:end -->',
  '',
  'Hand-written text after.',
  '',
  '<!-- bench:stats:begin -->',
  '<!-- bench:stats:end -->',
  '',
].join('\n');

describe('bench:docs (docs/benchmarks.md from bench/results/*.json)', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'bench-docs-'));
    writeFileSync(path.join(dir, 'pages.json'), JSON.stringify(pages, null, 2));
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('renders the table of a results file between its markers, the text around them kept', () => {
    const out = generateBenchmarkDoc(DOC, dir);

    expect(out).toContain(
      [
        '| phase     | route               | req/s | p50 ms | p99 ms |',
        '| --------- | ------------------- | ----: | -----: | -----: |',
        '| cassandra | POST /create, alone |   520 |   1.45 |   7.70 |',
        '| mongo     | GET /               |  0 \\* | > 10 s |        |',
      ].join('\n'),
    );
    expect(out).toContain('\\* None of the 16 concurrent requests finished within the 10 s.');
    expect(out).toContain(
      '| home page in `cassandra` / trivial route, req/s | 1327 / 3518 |  0.38 | ≥ 0.30 | met    |',
    );
    expect(out).toContain('Run of 2026-12-01T10:00:00.000Z; code `abc1234`; 2 CPUs, Node v20.19.0');
    expect(out).toContain('`BENCH_POSTS=100`, `BENCH_SECONDS=10`');
    expect(out).not.toContain('stale table');
    expect(
      out.startsWith('# Benchmarks\n\nHand-written text before.\n\n<!-- bench:pages:begin -->\n\n'),
    ).toBe(true);
    expect(out).toContain('<!-- bench:pages:end -->\n\nHand-written text after.\n');
    // no stats.json: the block says how to get one
    expect(out).toContain(
      '<!-- bench:stats:begin -->\n\n_No results yet: run `npm run bench:stats`._\n\n<!-- bench:stats:end -->',
    );
  });

  it('changes nothing when run again on its own output', () => {
    const once = generateBenchmarkDoc(DOC, dir);
    const twice = generateBenchmarkDoc(once, dir);

    expect(twice).toBe(once);
  });

  it('follows the results file: a new run replaces the old table', () => {
    const once = generateBenchmarkDoc(DOC, dir);
    const next = { ...pages, rows: [{ ...pages.rows[0], requests_per_second: 611 }] };
    writeFileSync(path.join(dir, 'pages.json'), JSON.stringify(next));

    const again = generateBenchmarkDoc(once, dir);

    expect(again).toContain('| cassandra | POST /create, alone |   611 |   1.45 |   7.70 |');
    expect(again).not.toContain('|   520 |');
  });

  it('refuses a document whose markers do not pair up, or name no benchmark', () => {
    const render = () => 'x';
    expect(() => replaceBlocks('<!-- bench:pages:begin -->\n', render)).toThrow(/no matching/);
    expect(() =>
      replaceBlocks('<!-- bench:pages:begin -->\n<!-- bench:stats:end -->\n', render),
    ).toThrow(/no matching/);
    expect(() => replaceBlocks('<!-- bench:nope:begin --><!-- bench:nope:end -->', render)).toThrow(
      /unknown benchmark "nope"/,
    );
    const twice = '<!-- bench:pages:begin --><!-- bench:pages:end -->'.repeat(2);
    expect(() => replaceBlocks(twice, render)).toThrow(/two blocks/);
  });

  it('names the file when a results file is not what it should be', () => {
    writeFileSync(path.join(dir, 'pages.json'), '{"rows": []}');

    expect(() => generateBenchmarkDoc(DOC, dir)).toThrow(/pages\.json: .*no "meta"/);
  });

  it('lays tables out as prettier does: padded cells, right-aligned numbers, escaped pipes', () => {
    expect(
      table(
        ['a', 'number'],
        [
          ['x|y', '1'],
          ['long cell', '12345'],
        ],
        ['left', 'right'],
      ),
    ).toBe(
      [
        '| a         | number |',
        '| --------- | -----: |',
        '| x|y       |      1 |',
        '| long cell |  12345 |',
      ].join('\n'),
    );
    expect(grouped(6521.4)).toBe('6 521');
    expect(grouped(1234567)).toBe('1 234 567');
    expect(grouped(362)).toBe('362');
  });

  it('shows a runbook run step by step, a failed step with its exit code and its note', () => {
    const runbook: RunbookJson = {
      meta: { ...meta, source: 'npm run bench:runbook' },
      runs: [
        {
          label: '100k',
          steps: [
            {
              step: '1',
              command: 'phase set dual-write',
              seconds: 4.81,
              exit_code: 0,
              peak_rss_mb: 230.4,
              load: { requests: 10, failed: 0, max_ms: 812 },
              key: 'all 2 app instance(s) serve dual-write (after 1.2 s)',
            },
            {
              step: '11',
              command: 'migrate reconcile',
              seconds: 718.14,
              exit_code: 1,
              peak_rss_mb: 571,
              load: null,
              key: 'reconcile mongo → cassandra: 107 found | 106 fixed',
              note: 'FerretDB refused one repair on every try.',
            },
          ],
          load: { requests: 1962, failed: 0, slowest_ms: 90_000, seconds: 2520 },
          app_peak_rss_mb: [124, 118],
          failures: ['GET /api/posts/6b07 → no answer *aborted* `timeout`'],
        },
      ],
    };

    const out = renderRunbook(runbook);

    expect(out).toContain('| 11  | `migrate reconcile`          | 718.1 s, exit 1 ¹ |');
    expect(out).toContain('¹ FerretDB refused one repair on every try.');
    expect(out).toContain(
      '  - failed request: `` GET /api/posts/6b07 → no answer *aborted* `timeout` ``',
    );
    expect(out).toContain(
      "- **100k**: 1 962 requests in 42 min over the app instances, 0 failed, slowest 90.0 s; app instances' peak RSS 124, 118 MiB.",
    );
    expect(out).toContain(
      '| 11  | `migrate reconcile`    | 718.1 |    1 |     571 |          | `reconcile mongo → cassandra: 107 found \\| 106 fixed`  |',
    );
  });

  it('shows each body bench:input sent, its ratios to the target, the load average and the verdicts', () => {
    const row = {
      limit: 'HTTP_BODY_LIMIT=4mb',
      limit_bytes: 4_194_304,
      body: '110 000 keys, JSON',
      bytes: 1_208_891,
      control: false,
      statuses: [400],
      p50_ms: 2.6123,
      max_ms: 61.5,
      loop_max_ms: 5.4,
      busy_ms_per_request: 2.34,
    };
    const input: InputJson = {
      meta: { ...meta, source: 'npm run bench:input', options: { BENCH_INPUT_ROUNDS: 50 } },
      load_average: { start: [2.13, 1.9, 1.71], end: [2.5, 2.01, 1.75] },
      target_ms: 50,
      rows: [
        row,
        {
          ...row,
          limit: 'default (640 KiB)',
          limit_bytes: 655_360,
          body: 'control: "{" (malformed) | x',
          bytes: 1,
          control: true,
          statuses: [400, 500],
          p50_ms: 1.4,
          max_ms: 7.2,
          loop_max_ms: 3.6,
          busy_ms_per_request: 1.1,
        },
      ],
      targets: [
        {
          name: 'slowest refusal, max ms (110 000 keys, JSON, HTTP_BODY_LIMIT=4mb)',
          numerator: 61.5,
          denominator: 50,
          value: 1.23,
          target: '< 1',
          met: false,
        },
        {
          name: 'control row, the larger of max and loop max ms (noise floor)',
          numerator: 7.2,
          denominator: 50,
          value: 0.144,
          target: null,
          met: null,
        },
      ],
    };

    const out = renderInput(input);

    expect(out).toContain('Options: `BENCH_INPUT_ROUNDS=50`. Source: npm run bench:input.');
    expect(out).toContain(
      'Load average (1, 5, 15 min) when the bodies started: 2.1 1.9 1.7; when they ended: 2.5 2.0 1.8; 2 CPUs.',
    );
    expect(out).toContain(
      [
        '| limit               | body                            |     bytes | status   | p50 ms | max ms | loop max ms | busy ms/req | p50/50 | max/50 | loop/50 |',
        '| ------------------- | ------------------------------- | --------: | -------- | -----: | -----: | ----------: | ----------: | -----: | -----: | ------: |',
        '| HTTP_BODY_LIMIT=4mb | 110 000 keys, JSON              | 1 208 891 | 400      |    2.6 |   61.5 |         5.4 |         2.3 |   0.05 |   1.23 |    0.11 |',
        '| default (640 KiB)   | _control: "{" (malformed) \\| x_ |         1 | 400, 500 |    1.4 |    7.2 |         3.6 |         1.1 |   0.03 |   0.14 |    0.07 |',
      ].join('\n'),
    );
    expect(out).toContain(
      '| slowest refusal, max ms (110 000 keys, JSON, HTTP_BODY_LIMIT=4mb) | 61.50 / 50 |  1.23 |    < 1 | not met |',
    );
    expect(out).toContain(
      '| control row, the larger of max and loop max ms (noise floor)      |  7.20 / 50 |  0.14 |   none |         |',
    );
    // a transcribed run: one load figure, none at the end
    const transcribed = renderInput({ ...input, load_average: { start: [2.1], end: null } });
    expect(transcribed).toContain('Load average when the bodies started: 2.1; 2 CPUs.');
  });

  it('shows bench:secondary’s rate steps, the sustained rate, each drain and the ratios', () => {
    const secondary: SecondaryJson = {
      meta: { ...meta, source: 'npm run bench:secondary', options: { BENCH_HINTS: 5000 } },
      secondary: 'FerretDB 1.24 on SQLite',
      clients: 4,
      step_seconds: 20,
      steps: [
        {
          target_per_second: 25,
          achieved_per_second: 24.9,
          missed: 0,
          pending_start: 0,
          pending_end: 0,
          kept_up: true,
        },
        {
          target_per_second: 50,
          achieved_per_second: 35.2,
          missed: 1063,
          pending_start: 0,
          pending_end: 1057,
          kept_up: false,
        },
      ],
      sustained_per_second: 25,
      drains: [
        { label: 'before: one by one', hints: 5000, seconds: 116.7, hints_per_second: 42.8 },
      ],
      ratios: [
        {
          name: 'new / before',
          numerator: 174,
          denominator: 42.8,
          value: 4.07,
          target: null,
          met: null,
        },
      ],
    };

    const out = renderSecondary(secondary);

    expect(out).toContain('Sustained: **25 writes/s**.');
    expect(out).toContain('|             50 |   35 |  1 063 | 0 → 1 057     | no      |');
    expect(out).toContain('| before: one by one | 5 000 |   116.7 |      43 |');
    expect(out).toContain('| new / before | 174 / 42.80 |  4.07 |   none |        |');
    expect(renderSecondary({ ...secondary, sustained_per_second: null })).toContain(
      'Sustained: **none of the rates**.',
    );
  });

  it('keeps docs/benchmarks.md as bench/results gives it (npm run bench:docs after a run)', () => {
    const file = path.join(ROOT, 'docs', 'benchmarks.md');
    const doc = readFileSync(file, 'utf8');

    expect(generateBenchmarkDoc(doc, path.join(ROOT, 'bench', 'results'))).toBe(doc);
  });
});
