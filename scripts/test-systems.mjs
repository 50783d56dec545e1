// `npm run test:systems`: the hub against real ticket systems (test/systems).
// Builds (the tests start the apps from dist/), makes sure Request Tracker 5
// is installed (apt-get, once, as root), starts PostgreSQL and Redis (unless
// DATABASE_URL / REDIS_URL point at servers), then runs jest with
// jest.systems.config.js. Type-check and lint are `npm test`'s, which CI runs first.
// Extra arguments go to jest: `npm run test:systems -- rt-instance`.
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from './build.mjs';
import { runExitHandlers } from './lib/infra.mjs';
import { ensureRequestTracker } from './lib/request-tracker.mjs';
import { runJest, startTestServers } from './lib/test-servers.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const started = Date.now();
/** @param {string} what */
const step = (what) => console.log(`\n▶ ${what} (${((Date.now() - started) / 1000).toFixed(1)} s)`);

step('build');
await build();

step('Request Tracker 5');
try {
  await ensureRequestTracker();
} catch (e) {
  console.error(/** @type {Error} */ (e).message);
  process.exit(1);
}

step('test servers');
const servers = await startTestServers();

step('jest (system tests)');
const code = await runJest(root, ['--config', 'jest.systems.config.js', ...process.argv.slice(2)], servers);
console.log(`\n${code === 0 ? 'all system tests passed' : 'system tests failed'} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
await runExitHandlers();
process.exit(code);
