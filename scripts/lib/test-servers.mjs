// The servers a jest run needs (`npm test`, `npm run test:systems`):
// PostgreSQL and Redis in a scratch directory, unless DATABASE_URL / REDIS_URL
// point at servers; all stopped and removed when the script exits.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureRedisServer, findFreePort, onExit, startPostgres, startRedis } from './infra.mjs';
import { run } from './run.mjs';

/**
 * @returns {Promise<{ databaseUrl: string, redisUrl: string }>} a server-level PostgreSQL URL and a Redis URL
 */
export async function startTestServers() {
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
  return { databaseUrl, redisUrl };
}

/**
 * Runs jest (native ESM) with the servers' URLs; resolves with its exit code.
 * @param {string} root the repository
 * @param {string[]} args jest's arguments
 * @param {{ databaseUrl: string, redisUrl: string }} servers
 * @returns {Promise<number>}
 */
export function runJest(root, args, { databaseUrl, redisUrl }) {
  return run(process.execPath, ['--experimental-vm-modules', '--no-warnings=ExperimentalWarning', join(root, 'node_modules/jest/bin/jest.js'), ...args], {
    cwd: root,
    env: { ...process.env, TEST_DATABASE_URL: databaseUrl, TEST_REDIS_URL: redisUrl, DATABASE_URL: '', REDIS_URL: '' },
  });
}
