// Two projects: fast unit tests of harness logic (no Docker), and chaos experiments
// against a real cluster (run in band: one cluster at a time on a 2-core machine).
const tsJest = { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] };
module.exports = {
  // Reporters are global (not per project): the console, JUnit XML for CI (one <testsuite>
  // per test file, classname = the describe block, or the file when there is none), and the
  // case log `vitess-chaos run` reads to tell which test wrote which experiment report (it
  // writes only when VITESS_CHAOS_CASES is set). JEST_JUNIT_OUTPUT_NAME overrides the file name.
  reporters: [
    'default',
    [
      'jest-junit',
      {
        outputDirectory: '<rootDir>/reports',
        outputName: 'junit.xml',
        suiteNameTemplate: '{filepath}',
        classNameTemplate: (v) => v.classname || v.filename,
        titleTemplate: '{title}',
        ancestorSeparator: ' › ',
        addFileAttribute: 'true',
      },
    ],
    '<rootDir>/harness/report/cases-reporter.js',
  ],
  projects: [
    {
      displayName: 'unit',
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      transform: tsJest,
      testEnvironment: 'node',
    },
    {
      displayName: 'chaos',
      testMatch: ['<rootDir>/experiments/**/*.chaos.ts'],
      transform: tsJest,
      testEnvironment: 'node',
      globalSetup: '<rootDir>/experiments/global-setup.ts',
      setupFiles: ['<rootDir>/experiments/env.ts'],
      setupFilesAfterEnv: ['<rootDir>/experiments/timeouts.ts'],
    },
  ],
};
