// ESLint with typescript-eslint's type-aware rules; Prettier owns formatting
// (eslint-config-prettier switches off the rules it would fight with).
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.data/**', 'coverage/**', 'libs/contracts/src/generated/**'] },
  js.configs.recommended,
  {
    files: ['**/*.ts'],
    extends: [...tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
    },
  },
  {
    // Test files not yet moved from ApiClient.untypedCall (answers as `any`) to
    // the typed ApiClient.call: their answers are still checked against the
    // OpenAPI document at run time (test/support/api-client.ts). Remove a file
    // from this list when it is migrated; the list only shrinks.
    // The four unit specs read JSON.parse or expect.any results (not the API
    // client); they belong to libraries others are changing now.
    files: [
      'apps/hub-api/src/auth/failed-auth-limiter.spec.ts',
      'libs/availability/src/availability.spec.ts',
      'libs/contracts/src/strict-input.spec.ts',
      'libs/webhooks/src/standard-webhooks.spec.ts',
      'test/e2e/delivery-admin.test.ts',
      'test/e2e/delivery-faults.test.ts',
      'test/e2e/exchange-journey.test.ts',
      'test/e2e/idempotency-crash.test.ts',
      'test/e2e/startup-order.test.ts',
      'test/integration/api-contract.test.ts',
      'test/integration/auth.test.ts',
      'test/integration/client-lifecycle.test.ts',
      'test/integration/dependency-outage.test.ts',
      'test/integration/event-feed.test.ts',
    ],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    // The runner scripts and benchmarks are plain Node.js ES modules.
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: { globals: { ...globals.node } },
  },
  prettier,
);
