// The system tests: the hub against real ticket systems (Request Tracker 5
// instances started by test/systems/support). Run by `npm run test:systems`
// (scripts/test-systems.mjs), which installs RT and provides
// TEST_DATABASE_URL and TEST_REDIS_URL; `npm test` leaves test/systems out.
import { common } from './jest.config.js';

export default {
  // Global level, as in jest.config.js: jest-circus ignores a project's testTimeout.
  testTimeout: 180_000,
  // One file at a time: each starts several RT servers and the hub's apps on a
  // machine of 2 cores, and some measure latencies.
  maxWorkers: 1,
  projects: [{ ...common, displayName: 'systems', testMatch: ['<rootDir>/test/systems/**/*.test.ts'] }],
};
