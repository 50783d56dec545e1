// `npm test`: builds, type-checks (scripts/ and bench/ too), lints (ESLint, Prettier, OpenAPI), starts PostgreSQL and Redis (unless
// DATABASE_URL / REDIS_URL point at servers), then runs every jest project
// (test/systems has its own command: `npm run test:systems`).
// Extra arguments go to jest: `npm test -- test/e2e`.
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from './build.mjs';
import { runLint } from './lint.mjs';
import { runTypecheck } from './typecheck.mjs';
import { runExitHandlers } from './lib/infra.mjs';
import { runJest, startTestServers } from './lib/test-servers.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const started = Date.now();
/** @param {string} what */
const step = (what) => console.log(`\n▶ ${what} (${((Date.now() - started) / 1000).toFixed(1)} s)`);

step('build');
await build();

step('type-check');
if (!(await runTypecheck())) {
  console.error('type-check failed');
  process.exit(1);
}

step('lint');
if (!(await runLint())) {
  console.error('lint failed');
  process.exit(1);
}

step('test servers');
const servers = await startTestServers();

step('jest');
const code = await runJest(root, process.argv.slice(2), servers);
console.log(`\n${code === 0 ? 'all tests passed' : 'tests failed'} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
await runExitHandlers();
process.exit(code);
