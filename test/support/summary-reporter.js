// Writes test-results/summary.json after every run so .ci/run can print `N passed, N failed`
// from jest's own results instead of scraping its console output.
const fs = require('node:fs');
const path = require('node:path');

class SummaryReporter {
  constructor(globalConfig) {
    this.rootDir = globalConfig.rootDir;
  }

  onRunComplete(_contexts, results) {
    const dir = path.join(this.rootDir, 'test-results');
    fs.mkdirSync(dir, { recursive: true });
    const failedSuites = results.testResults.filter((r) => r.testExecError || r.failureMessage);
    const summary = {
      passed: results.numPassedTests,
      failed: results.numFailedTests,
      skipped: results.numPendingTests + results.numTodoTests,
      // a suite that crashed before its tests ran counts as a failure even with no failed test
      // includes suites that errored outside any test (numRuntimeErrorTestSuites is a subset)
      failedSuites: results.numFailedTestSuites,
      failedSuitePaths: failedSuites.map((r) => path.relative(this.rootDir, r.testFilePath)),
      success: results.success,
      finishedAt: new Date().toISOString(),
    };
    fs.writeFileSync(path.join(dir, 'summary.json'), JSON.stringify(summary, null, 2));
  }
}

module.exports = SummaryReporter;
