// Runs the benchmarks in bench/ with the project's jest setup: swc for TypeScript and the ESM
// packages, and the global setup/teardown that build and drop the template database.
const path = require('node:path');
const base = require('../jest.config.js');

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  rootDir: path.resolve(__dirname, '..'),
  roots: ['<rootDir>/bench'],
  testMatch: ['**/*.bench.ts'],
  testTimeout: 3 * 60 * 60 * 1000,
};
