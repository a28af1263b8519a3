import { ciSummary, JestSummary, TierCounts } from '../../support/ci-summary';
import tierMinimums from '../../tiers.json';

function tier(counts: Partial<TierCounts> = {}): TierCounts {
  return {
    files: 1,
    passed: 0,
    failed: 0,
    skipped: 0,
    failedOutsideTests: 0,
    failedFilePaths: [],
    ...counts,
  };
}

function summary(tiers: Record<string, TierCounts>): JestSummary {
  const all = Object.values(tiers);
  const sum = (key: 'passed' | 'failed' | 'skipped') => all.reduce((n, t) => n + t[key], 0);
  return {
    passed: sum('passed'),
    failed: sum('failed'),
    skipped: sum('skipped'),
    failedSuites: all.filter((t) => t.failedFilePaths.length > 0).length,
    tiers,
  };
}

const minimums = { unit: 500, integration: 390 };
const allGood = () => summary({ unit: tier({ passed: 512 }), integration: tier({ passed: 398 }) });

describe('ciSummary (the end of .ci/run)', () => {
  it('all good: the per-tier line, then `N passed, 0 failed`', () => {
    const { lines, failed } = ciSummary({ summary: allGood(), minimums });
    expect(failed).toBe(0);
    expect(lines).toEqual([
      'ci: unit 512 passed, 0 failed; integration 398 passed, 0 failed',
      '910 passed, 0 failed',
    ]);
  });

  it('keeps the skipped suffix, in total and per tier', () => {
    const result = ciSummary({
      summary: summary({
        unit: tier({ passed: 510, skipped: 2 }),
        integration: tier({ passed: 398 }),
      }),
      minimums,
    });
    expect(result.lines).toEqual([
      'ci: unit 510 passed, 0 failed, 2 skipped; integration 398 passed, 0 failed',
      '908 passed, 0 failed, 2 skipped',
    ]);
  });

  it('counts a lint failure as 1 failed', () => {
    const { lines, failed } = ciSummary({ summary: allGood(), minimums, lintFailed: true });
    expect(failed).toBe(1);
    expect(lines[0]).toBe('ci: lint failed (counted as 1 failed)');
    expect(lines.at(-1)).toBe('910 passed, 1 failed');
  });

  it('counts a tier that did not run at all', () => {
    const { lines, failed } = ciSummary({
      summary: summary({ unit: tier({ passed: 512 }) }),
      minimums,
    });
    expect(failed).toBe(1);
    expect(lines).toEqual([
      'ci: tier integration ran 0 tests, expected at least 390',
      'ci: unit 512 passed, 0 failed',
      '512 passed, 1 failed',
    ]);
  });

  it('counts a tier that ran fewer tests than its minimum (skipped tests did not run)', () => {
    const { lines, failed } = ciSummary({
      summary: summary({
        unit: tier({ passed: 512 }),
        integration: tier({ passed: 380, skipped: 18 }),
      }),
      minimums,
    });
    expect(failed).toBe(1);
    expect(lines).toContain('ci: tier integration ran 380 tests, expected at least 390');
    expect(lines.at(-1)).toBe('892 passed, 1 failed, 18 skipped');
  });

  it('counts a tier that found no test file (listed with 0 tests)', () => {
    const { lines, failed } = ciSummary({
      summary: summary({ unit: tier({ passed: 512 }), integration: tier({ files: 0 }) }),
      minimums,
    });
    expect(failed).toBe(1);
    expect(lines).toContain('ci: tier integration ran 0 tests, expected at least 390');
  });

  it('adds every failure up: failed tests, files failed outside a test, lint, short tiers', () => {
    const { lines, failed } = ciSummary({
      summary: summary({
        unit: tier({ passed: 510, failed: 2, failedFilePaths: ['test/unit/a.spec.ts'] }),
        integration: tier({
          passed: 100,
          failedOutsideTests: 1,
          failedFilePaths: ['test/integration/b.spec.ts'],
        }),
      }),
      minimums,
      lintFailed: true,
      testStatus: 1,
    });
    // 2 failed tests + 1 file that crashed + lint + integration under its minimum
    expect(failed).toBe(5);
    expect(lines.at(-2)).toBe('ci: unit 510 passed, 2 failed; integration 100 passed, 1 failed');
    expect(lines.at(-1)).toBe('610 passed, 5 failed');
  });

  it('counts jest exiting non-zero when its results show no failure', () => {
    const { lines, failed } = ciSummary({ summary: allGood(), minimums, testStatus: 1 });
    expect(failed).toBe(1);
    expect(lines).toContain('ci: npm test exited with status 1 though no test failed');
    expect(lines.at(-1)).toBe('910 passed, 1 failed');
  });

  it('jest crashed before writing a summary: `0 passed, 1 failed` (plus a failed lint)', () => {
    expect(ciSummary({ summary: undefined, minimums, testStatus: 1 }).lines.at(-1)).toBe(
      '0 passed, 1 failed',
    );
    expect(
      ciSummary({ summary: undefined, minimums, testStatus: 1, lintFailed: true }).lines.at(-1),
    ).toBe('0 passed, 2 failed');
  });

  it('names a tier without a minimum, and lists it after those with one', () => {
    const { lines, failed } = ciSummary({
      summary: summary({
        extra: tier({ passed: 3 }),
        unit: tier({ passed: 512 }),
        integration: tier({ passed: 398 }),
      }),
      minimums,
    });
    expect(failed).toBe(0);
    expect(lines).toEqual([
      'ci: tier extra has no minimum in test/tiers.json',
      'ci: unit 512 passed, 0 failed; integration 398 passed, 0 failed; extra 3 passed, 0 failed',
      '913 passed, 0 failed',
    ]);
  });

  it('refuses a minimums file with a bad count', () => {
    expect(() =>
      ciSummary({ summary: allGood(), minimums: { unit: 'many' as unknown as number } }),
    ).toThrow(/minimum of unit/);
  });

  describe('with the fault tier (npm run test:faults)', () => {
    const withFaults = { ...minimums, faults: 8 };

    it('adds its counts to the same line, its tier listed after the others', () => {
      const { lines, failed } = ciSummary({
        summary: allGood(),
        minimums: withFaults,
        faults: { summary: summary({ faults: tier({ passed: 7, failed: 1 }) }), status: 1 },
      });
      expect(failed).toBe(1);
      expect(lines).toEqual([
        'ci: unit 512 passed, 0 failed; integration 398 passed, 0 failed; faults 7 passed, 1 failed',
        '917 passed, 1 failed',
      ]);
    });

    it('counts a fault run that wrote no summary, and its tier as not run', () => {
      const { lines, failed } = ciSummary({
        summary: allGood(),
        minimums: withFaults,
        faults: { summary: undefined, status: 1 },
      });
      expect(failed).toBe(2);
      expect(lines).toContain(
        'ci: npm run test:faults wrote no summary (it crashed before running tests)',
      );
      expect(lines).toContain('ci: tier faults ran 0 tests, expected at least 8');
      expect(lines.at(-1)).toBe('910 passed, 2 failed');
    });

    it('counts it exiting non-zero when its results show no failure', () => {
      const { lines, failed } = ciSummary({
        summary: allGood(),
        minimums: withFaults,
        faults: { summary: summary({ faults: tier({ passed: 8 }) }), status: 1 },
      });
      expect(failed).toBe(1);
      expect(lines).toContain('ci: npm run test:faults exited with status 1 though no test failed');
    });
  });

  it('the repo’s test/tiers.json is valid and has a minimum for every jest project', () => {
    const config = (file: string) =>
      jest.requireActual<{ projects: { displayName: string }[] }>(file).projects;
    const projects = [
      ...config('../../../jest.config'),
      ...config('../../../jest.faults.config'),
    ].map((p) => p.displayName);
    expect(Object.keys(tierMinimums).sort()).toEqual([...projects].sort());
    expect(() => ciSummary({ summary: allGood(), minimums: tierMinimums })).not.toThrow();
  });
});
