import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { generateBenchmarkDoc, renderBlock } from '../../../bench/support/bench-docs';
import { renderFaults } from '../../../bench/support/faults-docs';
import { FaultsJson, FaultsTestJson } from '../../../bench/support/results';

const ROOT = path.resolve(__dirname, '..', '..', '..');

const entry = (over: Record<string, unknown>): FaultsTestJson => ({
  at: '2026-12-06T05:00:00.000Z',
  commit: 'abc1234',
  dirty: false,
  load_average: 4.2,
  mongo: 'ferretdb-postgres',
  requests: 1000,
  failed: 0,
  failedWrites: 0,
  p50Ms: 20,
  p99Ms: 380,
  worstMs: 20203,
  ...over,
});

const data: FaultsJson = {
  meta: {
    source: 'npm run test:faults',
    date: '2026-12-06T05:00:00.000Z',
    commit: 'abc1234',
    dirty: false,
    node: 'v20.19.0',
    cpus: 2,
    servers: "the fault tier's stacks",
    options: {},
  },
  tests: {
    // reported in the order the tests ran, not the order of the table
    '1 node 2 killed in cassandra': entry({
      hintsPendingAtMost: 0,
      restartMs: 14072,
      convergeMs: 180,
    }),
    '1 node 2 killed in mongo': entry({
      load_average: 2.04,
      hintsPendingAtMost: 0,
      restartMs: 12351,
      convergeMs: 57,
    }),
    '2 two of three nodes killed in cassandra': entry({
      requests: 427,
      failed: 269,
      worstMs: 5015,
      failedWritesNothingSaved: 78,
      failedWritesOutcomeUnknown: 9,
      afterConviction: { requests: 87, failed: 87, worstMs: 14 },
      healthTo503Ms: 11595,
      restartMs: 17640,
      convergeMs: 228,
    }),
    '4 cassandra black-holed in dual-write': entry({
      requests: 118,
      healthTo503Ms: 2010,
      rssGrowthMb: 5,
      convergeMs: 1900,
      verifyClean: true,
    }),
    '4 mongo black-holed in dual-write': entry({
      requests: 23,
      failed: 4,
      healthTo503Ms: 2033,
      rssGrowthMb: 1,
      convergeMs: 2000,
      verifyClean: true,
    }),
    '5 app instance SIGKILLed in dual-write': entry({
      mongo: 'ferretdb-sqlite',
      at: '2026-12-05T09:00:00.000Z',
      commit: 'def5678',
      afterKill: { requests: 53, failed: 0 },
      copiesInFlightAtKill: 18,
      lostCopiesOfAckedWrites: 8,
      reconcile:
        'reconcile mongo → cassandra: 12 difference(s) found, 12 fixed, 0 remaining; 0 hint(s) copied; 1.4 s',
      verifyClean: true,
    }),
    '6 backfill node killed mid-copy': entry({
      records: 2000,
      copiedAtKill: 502,
      wentOn: true,
      runs: [{ status: 0, ms: 86057 }],
      pageRetries: 0,
      backfillMs: 86057,
      restartMs: 15613,
      convergeMs: 2149,
      verifyClean: false,
    }),
  },
};

describe('faults docs (docs/faults.md from bench/results/faults.json)', () => {
  const out = renderFaults(data);

  it('renders each test as a table, phases in migration order, primary before secondary', () => {
    expect(out).toContain(
      [
        '| phase       | node killed | requests | failed | p99 ms | worst ms | hints pending at most | restart | converge | verify |',
        '| ----------- | ----------: | -------: | -----: | -----: | -------: | --------------------: | ------: | -------: | ------ |',
        '| `mongo`     |           2 |    1 000 |      0 |    380 |   20 203 |                     0 |  12.4 s |    0.1 s | –      |',
        '| `cassandra` |           2 |    1 000 |      0 |    380 |   20 203 |                     0 |  14.1 s |    0.2 s | –      |',
      ].join('\n'),
    );
    expect(out).toMatch(
      /\| `dual-write` \| MongoDB \(primary\)\s+\|.*\n\| `dual-write` \| Cassandra \(secondary\) \|/,
    );
    expect(out).toContain(' 87, 87, 14 ms |');
    expect(out).toContain('78 / 9');
    expect(out).toContain('12 difference(s) found, 12 fixed, 0 remaining; 0 hint(s) copied; 1.4 s');
    expect(out).toContain('1, exit 0 (went on)');
    expect(out).toContain('| not clean |');
    // no report of test 3: no table for it
    expect(out).not.toContain('Test 3');
  });

  it('says under each table which run its rows come from', () => {
    expect(out).toContain(
      '_Reported 2026-12-06; code `abc1234`; MongoDB stand-in: FerretDB on PostgreSQL; load average 2.0–4.2._',
    );
    expect(out).toContain(
      '_Reported 2026-12-05; code `def5678`; MongoDB stand-in: FerretDB on SQLite; load average 4.2._',
    );
  });

  it('refuses a report it has no table for (a renamed test would leave a stale table)', () => {
    const renamed = { ...data, tests: { ...data.tests, '7 something new': entry({}) } };
    expect(() => renderFaults(renamed)).toThrow('no table for fault report(s) "7 something new"');
  });

  it('names the command that writes the results when there are none', () => {
    expect(renderBlock('faults', undefined)).toBe('_No results yet: run `npm run test:faults`._');
  });

  it('keeps docs/faults.md as bench/results/faults.json gives it (npm run bench:docs after a run)', () => {
    const doc = readFileSync(path.join(ROOT, 'docs', 'faults.md'), 'utf8');

    expect(doc).toContain('<!-- bench:faults:begin -->');
    expect(generateBenchmarkDoc(doc, path.join(ROOT, 'bench', 'results'))).toBe(doc);
  });
});
