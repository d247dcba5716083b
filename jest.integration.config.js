/**
 * The integration lane (`npm run test:integration`): every test outside test/unit/. Its global setup
 * starts a Temporal dev server and Redis in .test-data/, bundles the workflows and builds the web
 * page once per run (test/support/global-setup.ts). See CONTRIBUTING.md, "Test lanes".
 */
module.exports = {
  displayName: 'integration',
  rootDir: __dirname,
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/unit/'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 120000,
};
