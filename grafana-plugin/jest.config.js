// force timezone to UTC to allow tests to work regardless of local timezone
process.env.TZ = 'UTC';

const base = require('./.config/jest.config');
const swc = base.transform['^.+\\.(t|j)sx?$'];

module.exports = {
  ...base,
  // d3-color 3.1 (under @grafana/data) ships only .mjs: transform it like the rest.
  transform: { ...base.transform, '^.+\\.mjs$': swc },
  testMatch: ['<rootDir>/src/**/*.test.{ts,tsx}', '<rootDir>/test/**/*.test.{ts,tsx}'],
  // The real API server (embedded database) starts once per run, before any test file.
  globalSetup: '<rootDir>/test/api-server/global-setup.js',
  globalTeardown: '<rootDir>/test/api-server/global-teardown.js',
  reporters: ['default', '<rootDir>/test/summary-reporter.js'],
  testEnvironment: '<rootDir>/test/jsdom-fetch-environment.js',
  testTimeout: 60_000,
};
