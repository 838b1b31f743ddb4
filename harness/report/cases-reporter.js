// @ts-check
// A Jest reporter that records every test case with its start time and duration, so
// `vitess-chaos run` can tell which case wrote which experiment report (an experiment's JSON
// carries its start time; runInBand cases never overlap). Plain JavaScript because Jest loads
// reporters without a transform. Writes only when VITESS_CHAOS_CASES names a file, and
// rewrites it after every test file, so an interrupted run still leaves what finished.
const fs = require('node:fs');
const path = require('node:path');

const MAX_MESSAGE = 4000;

class CasesReporter {
  /** @param {{ rootDir: string }} globalConfig */
  constructor(globalConfig) {
    this.rootDir = globalConfig.rootDir;
    this.out = process.env.VITESS_CHAOS_CASES;
    /** @type {unknown[]} */
    this.cases = [];
  }

  /**
   * @param {unknown} _test
   * @param {{ testFilePath: string, testExecError?: { message?: string }, testResults: Array<{ ancestorTitles: string[], title: string, fullName: string, status: string, startAt?: number | null, duration?: number | null, failureMessages: string[] }> }} result
   */
  onTestResult(_test, result) {
    if (!this.out) return;
    const file = path.relative(this.rootDir, result.testFilePath);
    for (const a of result.testResults) {
      this.cases.push({
        file,
        ancestorTitles: a.ancestorTitles,
        title: a.title,
        fullName: a.fullName,
        status: a.status,
        startAt: a.startAt ?? null,
        duration: a.duration ?? null,
        failureMessages: a.failureMessages.map((m) => m.slice(0, MAX_MESSAGE)),
      });
    }
    // A file that could not run at all (syntax error, failed import) has no cases: record one.
    if (result.testExecError && result.testResults.length === 0) {
      this.cases.push({ file, ancestorTitles: [], title: '(the test file could not run)', fullName: file, status: 'failed', startAt: null, duration: null, failureMessages: [String(result.testExecError.message ?? '').slice(0, MAX_MESSAGE)] });
    }
    fs.mkdirSync(path.dirname(this.out), { recursive: true });
    fs.writeFileSync(this.out, `${JSON.stringify(this.cases, null, 2)}\n`);
  }
}

module.exports = CasesReporter;
