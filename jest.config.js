// Jest runs our TypeScript as native ESM (NestJS 12 is ESM-only), transformed by
// swc with the same decorator settings as the build.
const swcTransform = [
  '@swc/jest',
  {
    jsc: {
      target: 'es2022',
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
      keepClassNames: true,
    },
    module: { type: 'es6' },
  },
];
// CommonJS packages that require() an ESM-only dependency: Node 20 does that
// natively, jest's module loader does not, so those dependencies are compiled
// to CommonJS for jest only.
const ESM_REQUIRED_FROM_CJS = ['content-disposition'];
const common = {
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': swcTransform,
    [`node_modules/(${ESM_REQUIRED_FROM_CJS.join('|')})/.+\\.js$`]: ['@swc/jest', { module: { type: 'commonjs' } }],
  },
  transformIgnorePatterns: [`/node_modules/(?!(${ESM_REQUIRED_FROM_CJS.join('|')})/)`],
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
      // Servers and databases are started per file by test/support; the
      // runner (scripts/test.mjs) provides TEST_DATABASE_URL and TEST_REDIS_URL.
    },
  ],
};
