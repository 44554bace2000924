/** One jest run for the whole suite: focused tests beside each package, journeys in e2e/. */
module.exports = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      { jsc: { parser: { syntax: 'typescript' }, target: 'es2023' }, module: { type: 'es6' } },
    ],
  },
  testMatch: ['<rootDir>/{kernel,gateway,cdc,subgraphs/*,cli}/test/**/*.test.ts', '<rootDir>/e2e/**/*.test.ts'],
  // PostgreSQL's logical-decoding snapshots under .data are `*.snap` files too: not jest's.
  modulePathIgnorePatterns: ['<rootDir>/.data/', '<rootDir>/.tools/'],
  globalSetup: '<rootDir>/test-support/global-setup.ts',
  globalTeardown: '<rootDir>/test-support/global-teardown.ts',
  testTimeout: 30000,
  maxWorkers: 2,
};
