/**
 * The unit lane (`npm run test:unit`): everything under test/unit/, which mirrors the source tree.
 * Pure code only: no Temporal, no Redis, no SMTP, no browser build, so no global setup; a test that
 * opens a network connection fails (test/support/unit-guard.ts). See CONTRIBUTING.md, "Test lanes".
 * Jest runs TypeScript through swc; type checking is `tsc --noEmit` in scripts/test.sh.
 */
module.exports = {
  displayName: 'unit',
  rootDir: __dirname,
  testEnvironment: 'node',
  roots: ['<rootDir>/test/unit'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  setupFiles: ['<rootDir>/test/support/unit-guard.ts'],
};
