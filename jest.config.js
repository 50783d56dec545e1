// Jest runs our TypeScript as native ESM (NestJS 12 is ESM-only), transformed by
// swc with the build's compiler options: .swcrc is their one place. Only `jsc`
// is taken; jest resolves imports itself (no `resolveFully`) and keeps source
// maps inline.
import { readFileSync } from 'node:fs';

const { jsc } = JSON.parse(readFileSync(new URL('.swcrc', import.meta.url), 'utf8'));
const swcTransform = ['@swc/jest', { jsc, module: { type: 'es6' } }];
export const common = {
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': swcTransform,
  },
  moduleNameMapper: {
    '^@drehscheibe/(.*)$': '<rootDir>/libs/$1/src/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  testEnvironment: 'node',
};
export default {
  // jest-circus reads the timeout from the global config only: a `testTimeout`
  // inside a project is ignored, and hooks then get jest's default 5 s, too
  // short for set-up that starts servers on a busy machine.
  testTimeout: 60_000,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/libs/**/*.spec.ts', '<rootDir>/apps/**/*.spec.ts'] },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      // Against real ticket systems, with their own runner: jest.systems.config.js.
      testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/systems/'],
      // Servers and databases are started per file by test/support; the
      // runner (scripts/test.mjs) provides TEST_DATABASE_URL and TEST_REDIS_URL.
    },
  ],
};
