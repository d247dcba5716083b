/**
 * `npx jest` runs both lanes: the unit lane (jest.unit.config.js, no services) and the integration
 * lane (jest.integration.config.js, real Temporal and Redis started by its global setup, which runs
 * only when a test of that lane is selected). `npm run test:unit` / `npm run test:integration` run
 * one. See CONTRIBUTING.md, "Test lanes".
 */
module.exports = {
  maxWorkers: 1,
  // jest reads the test timeout from the root config only: the integration lane's, for both lanes
  testTimeout: 120000,
  projects: ['<rootDir>/jest.unit.config.js', '<rootDir>/jest.integration.config.js'],
};
