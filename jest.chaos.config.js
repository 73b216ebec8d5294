// The chaos suite (test/chaos, `npm run test:chaos`): the main config's compilation, none of its tests
// and no shared template database; each file starts the PostgreSQL and Redis it may kill.
const base = require('./jest.config.js');

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: base.testEnvironment,
  transform: base.transform,
  transformIgnorePatterns: base.transformIgnorePatterns,
  roots: ['<rootDir>/test/chaos'],
  testMatch: ['**/*.chaos-spec.ts'],
  testTimeout: 120_000,
};
