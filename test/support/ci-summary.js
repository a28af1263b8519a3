// The end of .ci/run: turns jest's results (test-results/summary.json, written by
// test/support/summary-reporter.js), the lint result and the minimum test count of each tier
// (test/tiers.json) into the lines CI prints, with the fault tier's results added
// (test-results/faults-summary.json, from `npm run test:faults`, when .ci/run ran it), the last one always `N passed, N failed`
// (`, N skipped` when some were). Everything that went wrong counts in that one line: failed
// tests, test files that failed outside a test, a lint failure, a tier that ran fewer tests than
// its minimum or not at all, jest exiting non-zero with no failure in its results, no results.
//
//   node test/support/ci-summary.js [--lint-failed] [--test-status N] [--faults-status N]
//
// --faults-status: `npm run test:faults` ran and exited N; its summary is then required.
// prints those lines and exits 1 when the failed count is not 0.
const fs = require('node:fs');
const path = require('node:path');

const repoRoot = path.resolve(__dirname, '..', '..');
const SUMMARY_FILE = path.join(repoRoot, 'test-results', 'summary.json');
const FAULTS_SUMMARY_FILE = path.join(repoRoot, 'test-results', 'faults-summary.json');
const TIERS_FILE = path.join(repoRoot, 'test', 'tiers.json');

/** The minimum test count per tier, checked: a typo must not quietly disable a check. */
function parseMinimums(minimums) {
  if (!minimums || typeof minimums !== 'object' || Array.isArray(minimums)) {
    throw new Error('test/tiers.json must be an object of tier name → minimum test count');
  }
  for (const [tier, min] of Object.entries(minimums)) {
    if (!Number.isInteger(min) || min < 0) {
      throw new Error(`test/tiers.json: the minimum of ${tier} must be a whole number ≥ 0`);
    }
  }
  return minimums;
}

function countsLine(passed, failed, skipped) {
  return `${passed} passed, ${failed} failed` + (skipped ? `, ${skipped} skipped` : '');
}

/**
 * @param {object} input
 * @param {object | undefined} input.summary test-results/summary.json, undefined when jest wrote none
 * @param {Record<string, number>} input.minimums test/tiers.json
 * @param {boolean} [input.lintFailed]
 * @param {number} [input.testStatus] the exit status of `npm test`
 * @param {{ summary: object | undefined, status: number }} [input.faults] the fault tier's
 *   run (`npm run test:faults`): its summary (undefined when it wrote none) and exit status
 * @returns {{ lines: string[], passed: number, failed: number, skipped: number }} `lines` ends
 *   with the `N passed, N failed` line
 */
function ciSummary({ summary, minimums, lintFailed = false, testStatus = 0, faults }) {
  parseMinimums(minimums);
  const lines = [];
  let passed = 0;
  let failed = 0;
  let skipped = 0;

  if (lintFailed) {
    lines.push('ci: lint failed (counted as 1 failed)');
    failed += 1;
  }

  if (!summary) {
    lines.push('ci: jest wrote no summary (it crashed before running tests)');
    failed += 1;
    lines.push(countsLine(passed, failed, skipped));
    return { lines, passed, failed, skipped };
  }

  const runs = [{ command: 'npm test', summary, status: testStatus }];
  if (faults) {
    if (faults.summary) runs.push({ command: 'npm run test:faults', ...faults });
    else {
      lines.push('ci: npm run test:faults wrote no summary (it crashed before running tests)');
      failed += 1;
    }
  }
  const tiers = {};
  for (const run of runs) {
    let testFailures = 0;
    for (const [name, t] of Object.entries(run.summary.tiers ?? {})) {
      tiers[name] = t;
      passed += t.passed;
      skipped += t.skipped;
      testFailures += t.failed + t.failedOutsideTests;
    }
    failed += testFailures;
    if (run.status !== 0 && testFailures === 0) {
      // e.g. a global teardown that threw after every test passed
      lines.push(`ci: ${run.command} exited with status ${run.status} though no test failed`);
      failed += 1;
    }
  }

  for (const [tier, min] of Object.entries(minimums)) {
    const t = tiers[tier];
    const ran = t ? t.passed + t.failed : 0;
    if (!t || ran < min) {
      lines.push(`ci: tier ${tier} ran ${ran} tests, expected at least ${min}`);
      failed += 1;
    }
  }
  for (const tier of Object.keys(tiers)) {
    if (!(tier in minimums)) lines.push(`ci: tier ${tier} has no minimum in test/tiers.json`);
  }

  // the tiers of the minimums file first, in its order, then any others
  const order = [...Object.keys(minimums), ...Object.keys(tiers).filter((n) => !(n in minimums))];
  const perTier = order
    .filter((name) => tiers[name])
    .map((name) => {
      const t = tiers[name];
      return `${name} ${countsLine(t.passed, t.failed + t.failedOutsideTests, t.skipped)}`;
    });
  lines.push(`ci: ${perTier.length ? perTier.join('; ') : 'no tier ran'}`);
  lines.push(countsLine(passed, failed, skipped));
  return { lines, passed, failed, skipped };
}

function main(argv) {
  const lintFailed = argv.includes('--lint-failed');
  const statusAt = argv.indexOf('--test-status');
  const testStatus = statusAt >= 0 ? Number(argv[statusAt + 1]) : 0;
  const faultsAt = argv.indexOf('--faults-status');
  const read = (file) =>
    fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : undefined;
  const summary = read(SUMMARY_FILE);
  const faults =
    faultsAt >= 0
      ? { summary: read(FAULTS_SUMMARY_FILE), status: Number(argv[faultsAt + 1]) }
      : undefined;
  const minimums = JSON.parse(fs.readFileSync(TIERS_FILE, 'utf8'));
  const { lines, failed } = ciSummary({ summary, minimums, lintFailed, testStatus, faults });
  for (const line of lines) console.log(line);
  return failed === 0 ? 0 : 1;
}

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2));
}

module.exports = { ciSummary };
