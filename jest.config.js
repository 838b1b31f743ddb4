// Two projects: fast unit tests of harness logic (no Docker), and chaos experiments
// against a real cluster (run in band: one cluster at a time on a 2-core machine).
const tsJest = { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] };
module.exports = {
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
    },
  ],
};
