// `npm start`: the hub on embedded defaults. Starts PostgreSQL (embedded) and
// Redis unless DATABASE_URL / REDIS_URL are set, migrates, seeds the demo,
// then runs hub-api, worker, connectors and simulator until Ctrl+C.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from './build.mjs';
import { ensureRedisServer, findFreePort, isPortFree, onExit, runExitHandlers, startPostgres, startRedis } from './lib/infra.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const data = join(root, '.data');
const logs = join(data, 'logs');
mkdirSync(logs, { recursive: true });

/** @param {string} line */
const say = (line) => console.log(`[drehscheibe] ${line}`);
/** @type {import('node:child_process').ChildProcess[]} */
const children = [];
let stopping = false;

/** Stops the apps (they need the servers to stop cleanly); the servers' handlers run after. */
async function stopApps() {
  stopping = true;
  say('stopping…');
  await Promise.all(
    children.map((c) => new Promise(/** @param {(value?: unknown) => void} r */ (r) => (c.exitCode !== null ? r() : (c.once('exit', r), c.kill('SIGTERM'))))),
  );
}

/** @param {number} code */
async function shutdown(code) {
  if (stopping) return;
  await runExitHandlers();
  process.exit(code);
}

/** @param {number} preferred */
async function portOr(preferred) {
  return (await isPortFree(preferred)) ? preferred : findFreePort();
}

/** Keys are generated once per checkout and never committed (.data/ is ignored). */
function loadOrCreateKeys() {
  const file = join(data, 'keys.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8'));
  const keys = {
    HUB_TOKEN_SIGNING_KEY: 'whsk_' + randomBytes(32).toString('base64'),
    HUB_WEBHOOK_SIGNING_KEY: 'whsk_' + randomBytes(32).toString('base64'),
    HUB_DATA_KEY: randomBytes(32).toString('base64'),
  };
  writeFileSync(file, JSON.stringify(keys, null, 2) + '\n', { mode: 0o600 });
  return keys;
}

/**
 * @param {string[]} args
 * @param {NodeJS.ProcessEnv} env
 * @returns {Promise<void>}
 */
function runOnce(args, env) {
  return new Promise((ok, fail) => {
    const child = spawn(process.execPath, args, { cwd: root, env, stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('exit', (code) => (code === 0 ? ok() : fail(new Error(`${args.join(' ')} exited with ${code}`))));
  });
}

/**
 * @param {string} name
 * @param {NodeJS.ProcessEnv} env
 */
function startApp(name, env) {
  const logFile = join(logs, `${name}.log`);
  const log = createWriteStream(logFile, { flags: 'a' });
  const child = spawn(process.execPath, ['--enable-source-maps', join(root, 'dist/apps', name, 'src/main.js')], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  child.on('exit', (code, signal) => {
    if (stopping) return;
    say(`${name} stopped unexpectedly (${signal ?? code}); last lines of ${logFile}:`);
    console.error(readFileSync(logFile, 'utf8').split('\n').slice(-15).join('\n'));
    void shutdown(1);
  });
  children.push(child);
  return child;
}

/**
 * @param {string} url
 * @param {number} timeoutMs
 */
async function waitReady(url, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !stopping) {
    try {
      if ((await fetch(url)).ok) return true;
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

const t0 = Date.now();
await build();

let databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) {
  const pg = await startPostgres({ dir: join(data, 'pg'), port: await portOr(Number(process.env.PG_PORT ?? 54329)) });
  await pg.createDatabase('drehscheibe');
  databaseUrl = pg.url('drehscheibe');
  say(`embedded PostgreSQL on port ${pg.port} (data in .data/pg)`);
}
let redisUrl = process.env.REDIS_URL;
if (!redisUrl) {
  await ensureRedisServer();
  const redis = await startRedis({ dir: join(data, 'redis'), port: await portOr(Number(process.env.REDIS_PORT ?? 6390)), logFile: join(logs, 'redis.log') });
  redisUrl = redis.url;
  say(`Redis on port ${redis.port} (AOF in .data/redis)`);
}

const port = Number(process.env.PORT ?? 3000);
const workerPort = await portOr(Number(process.env.WORKER_PORT ?? 3001));
const connectorsPort = await portOr(Number(process.env.CONNECTORS_PORT ?? 3002));
const simulatorPort = await portOr(Number(process.env.SIMULATOR_PORT ?? 3100));
const apiUrl = `http://127.0.0.1:${port}`;
const simulatorUrl = `http://127.0.0.1:${simulatorPort}`;
const credentialsFile = join(data, 'demo-credentials.json');
const env = {
  ...process.env,
  ...loadOrCreateKeys(),
  NODE_ENV: process.env.NODE_ENV ?? 'development',
  DATABASE_URL: databaseUrl,
  REDIS_URL: redisUrl,
  PORT: String(port),
  WORKER_PORT: String(workerPort),
  CONNECTORS_PORT: String(connectorsPort),
  // The demo's simulated Länder listen on loopback.
  ALLOW_PRIVATE_ENDPOINTS: process.env.ALLOW_PRIVATE_ENDPOINTS ?? 'true',
  HUB_URL: apiUrl,
  SIMULATOR_PORT: String(simulatorPort),
  SIMULATOR_CREDENTIALS: credentialsFile,
};

const cli = join(root, 'dist/apps/hub-cli/src/main.js');
await runOnce([cli, 'migrate'], env);
await runOnce([cli, 'seed-demo', '--credentials', credentialsFile, '--simulator-url', simulatorUrl], env);

onExit(stopApps);
startApp('hub-api', env);
startApp('worker', env);
startApp('connectors', env);
startApp('simulator', env);
if (!(await waitReady(`${apiUrl}/health/ready`, 90_000))) {
  say(`hub-api did not become ready; see ${join(logs, 'hub-api.log')}`);
  await shutdown(1);
}
await waitReady(`${simulatorUrl}/health`, 30_000);

const credentials = JSON.parse(readFileSync(credentialsFile, 'utf8'));
console.log(`
  Drehscheibe is running (ready after ${((Date.now() - t0) / 1000).toFixed(1)} s)

  Swagger UI     ${apiUrl}/docs
  OpenAPI JSON   ${apiUrl}/docs-json
  Health         ${apiUrl}/health/ready
                 http://127.0.0.1:${workerPort}/health/ready (worker)
                 http://127.0.0.1:${connectorsPort}/health/ready (connectors)
  Simulator      ${simulatorUrl}/participants/demo-mila/deliveries
                 ${simulatorUrl}/participants/demo-bela/deliveries

  Demo clients (also in .data/demo-credentials.json):
${Object.values(credentials)
  .map((c) => `    ${c.clientId.padEnd(10)} secret ${c.clientSecret}`)
  .join('\n')}

  Logs in .data/logs/. Press Ctrl+C to stop.
`);
