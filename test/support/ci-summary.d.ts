// Types of test/support/ci-summary.js (plain JS so .ci/run runs it with node alone).

/** One tier (jest project) in test-results/summary.json. */
export interface TierCounts {
  files: number;
  passed: number;
  failed: number;
  skipped: number;
  /** test files that failed outside any test (a crash, a hook) */
  failedOutsideTests: number;
  failedFilePaths: string[];
}

export interface JestSummary {
  passed: number;
  failed: number;
  skipped: number;
  failedSuites: number;
  tiers: Record<string, TierCounts>;
}

export function ciSummary(input: {
  /** test-results/summary.json; undefined when jest wrote none */
  summary: JestSummary | undefined;
  /** test/tiers.json: the minimum number of tests each tier must run */
  minimums: Record<string, number>;
  lintFailed?: boolean;
  /** the exit status of `npm test` */
  testStatus?: number;
  /** `npm run test:faults`: its summary (undefined when it wrote none) and exit status */
  faults?: { summary: JestSummary | undefined; status: number };
}): { lines: string[]; passed: number; failed: number; skipped: number };
