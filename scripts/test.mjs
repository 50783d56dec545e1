// `npm test`: builds, type-checks (scripts/ and bench/ too), lints (ESLint, Prettier, OpenAPI), starts PostgreSQL and Redis (unless
// DATABASE_URL / REDIS_URL point at servers), then runs every jest project.
// Extra arguments go to jest: `npm test -- test/e2e`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from './build.mjs';
import { runLint } from './lint.mjs';
import { runTypecheck } from './typecheck.mjs';
import { run } from './lib/run.mjs';
import { ensureRedisServer, findFreePort, onExit, runExitHandlers, startPostgres, startRedis } from './lib/infra.mjs';

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
const scratch = mkdtempSync(join(tmpdir(), 'drehscheibe-test-'));
// Registered first, so it runs last: after the servers have stopped.
onExit(() => rmSync(scratch, { recursive: true, force: true }));

let databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) {
  const pg = await startPostgres({ dir: join(scratch, 'pg'), port: await findFreePort(), fast: true });
  databaseUrl = pg.url('postgres');
}
let redisUrl = process.env.REDIS_URL;
if (!redisUrl) {
  await ensureRedisServer();
  const redis = await startRedis({ dir: join(scratch, 'redis'), port: await findFreePort() });
  redisUrl = redis.url;
}
console.log(`PostgreSQL ${new URL(databaseUrl).host}, Redis ${new URL(redisUrl).host}`);

step('jest');
const code = await run(
  process.execPath,
  ['--experimental-vm-modules', '--no-warnings=ExperimentalWarning', join(root, 'node_modules/jest/bin/jest.js'), ...process.argv.slice(2)],
  { cwd: root, env: { ...process.env, TEST_DATABASE_URL: databaseUrl, TEST_REDIS_URL: redisUrl, DATABASE_URL: '', REDIS_URL: '' } },
);
console.log(`\n${code === 0 ? 'all tests passed' : 'tests failed'} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
await runExitHandlers();
process.exit(code);
