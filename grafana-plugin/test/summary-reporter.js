// Writes {passed, failed, skipped} to $OPTFLOW_TEST_SUMMARY for scripts/test-all.mjs (like the node:test workspaces).
const { writeFileSync } = require('node:fs');

class SummaryReporter {
  onRunComplete(_contexts, results) {
    const path = process.env.OPTFLOW_TEST_SUMMARY;
    if (!path) {
      return;
    }
    const failedSuites = results.numRuntimeErrorTestSuites ?? 0;
    writeFileSync(
      path,
      JSON.stringify({
        passed: results.numPassedTests,
        failed: results.numFailedTests + failedSuites,
        skipped: results.numPendingTests + results.numTodoTests,
      })
    );
  }
}

module.exports = SummaryReporter;
