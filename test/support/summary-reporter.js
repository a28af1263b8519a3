// Writes test-results/summary.json after every run so .ci/run can print `N passed, N failed`
// from jest's own results instead of scraping its console output: the totals, and the same
// counts per tier (jest project, by its displayName) so a tier that ran too few tests shows
// (test/support/ci-summary.js compares them with test/tiers.json). Option `file`: another name
// in test-results/ (the fault tier's config writes faults-summary.json).
const fs = require('node:fs');
const path = require('node:path');

/** A project's displayName as a plain name (jest normalises it to `{ name, color }`). */
function tierName(displayName) {
  if (!displayName) return undefined;
  return typeof displayName === 'string' ? displayName : displayName.name;
}

class SummaryReporter {
  constructor(globalConfig, options = {}) {
    this.rootDir = globalConfig.rootDir;
    this.file = options.file ?? 'summary.json';
    /** test file → tier; a file that crashed before running has no displayName of its own */
    this.tierByPath = new Map();
  }

  onTestFileResult(test, testResult) {
    const tier = tierName(test.context?.config?.displayName) ?? tierName(testResult.displayName);
    if (tier) this.tierByPath.set(testResult.testFilePath, tier);
  }

  onRunComplete(contexts, results) {
    const dir = path.join(this.rootDir, 'test-results');
    fs.mkdirSync(dir, { recursive: true });
    const failedSuites = results.testResults.filter((r) => r.testExecError || r.failureMessage);

    // every selected project is listed, even one that found no test file (0 tests)
    const tiers = {};
    const tier = (name) =>
      (tiers[name] ??= {
        files: 0,
        passed: 0,
        failed: 0,
        skipped: 0,
        // files that failed outside any test (a crash, a hook): a failure even with 0 failed tests
        failedOutsideTests: 0,
        failedFilePaths: [],
      });
    for (const context of contexts ?? []) {
      const name = tierName(context.config?.displayName);
      if (name) tier(name);
    }
    for (const r of results.testResults) {
      const name =
        this.tierByPath.get(r.testFilePath) ?? tierName(r.displayName) ?? '(no displayName)';
      const t = tier(name);
      t.files += 1;
      t.passed += r.numPassingTests;
      t.failed += r.numFailingTests;
      t.skipped += r.numPendingTests + r.numTodoTests;
      if (r.testExecError || r.failureMessage) {
        t.failedFilePaths.push(path.relative(this.rootDir, r.testFilePath));
        if (r.numFailingTests === 0) t.failedOutsideTests += 1;
      }
    }

    const summary = {
      passed: results.numPassedTests,
      failed: results.numFailedTests,
      skipped: results.numPendingTests + results.numTodoTests,
      // a suite that crashed before its tests ran counts as a failure even with no failed test
      // includes suites that errored outside any test (numRuntimeErrorTestSuites is a subset)
      failedSuites: results.numFailedTestSuites,
      failedSuitePaths: failedSuites.map((r) => path.relative(this.rootDir, r.testFilePath)),
      // jest sets results.success only after the reporters' onRunComplete (it is always false
      // here), so it is computed from the counts
      success:
        results.numFailedTests === 0 &&
        results.numFailedTestSuites === 0 &&
        results.numRuntimeErrorTestSuites === 0,
      tiers,
      finishedAt: new Date().toISOString(),
    };
    fs.writeFileSync(path.join(dir, this.file), JSON.stringify(summary, null, 2));
  }
}

module.exports = SummaryReporter;
