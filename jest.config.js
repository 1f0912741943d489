/** @type {import('jest').Config} */
export default {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }],
  },
  // Finds Redis, Chromium and HAProxy (starting a Redis when none runs) and stops what it started:
  // test/helpers/services.ts skips what needs a missing one, except under CI=true.
  globalSetup: '<rootDir>/test/services/setup.js',
  globalTeardown: '<rootDir>/test/services/teardown.js',
  testTimeout: 30000,
};
