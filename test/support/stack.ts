import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { findFreePort } from '../../scripts/lib/ports.mjs';
import { ApiClient } from './api-client.js';
import { createTestDatabase, type TestDatabase } from './database.js';
import { hubEnvironment, testServers } from './environment.js';

const ROOT = resolve(import.meta.dirname ?? '.', '../..');
const DIST = join(ROOT, 'dist/apps');

/** `connectors-2`: a second replica of the connectors process (its own operations port), for lease tests. */
export type AppName = 'hub-api' | 'worker' | 'simulator' | 'connectors' | 'connectors-2';

export interface StackOptions {
  /** Run on this Redis instead of the shared test Redis (fault tests that stop or flush it). */
  redisUrl?: string;
}

/** What `startApp` waits for: the app's readiness (the default), or only that it is alive (a dependency is still down). */
export type AppWait = 'ready' | 'live';

/** A port for an app started later: outside the ephemeral range and not handed to another test file (scripts/lib/ports.mjs). */
export const freePort = findFreePort;

async function waitFor(url: string, timeoutMs: number, child: ChildProcess, name: string, logFile: string): Promise<void> {
  // Polls: the app's own endpoint is the condition (no fixed start-up sleep).
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}; see ${logFile}:\n${readFileSync(logFile, 'utf8').slice(-2000)}`);
    try {
      const r = await fetch(url);
      if (r.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${name} did not answer ${url} within ${timeoutMs} ms; see ${logFile}`);
}

/**
 * The real apps as separate processes (built into dist/ by the test runner),
 * on a fresh database and queue prefix: what `npm start` runs, for end-to-end
 * and fault tests.
 */
export class Stack {
  readonly processes = new Map<AppName, ChildProcess>();
  api!: ApiClient;
  apiUrl!: string;
  /** The worker's operations listener: /health/live, /health/ready, /metrics. */
  workerUrl!: string;
  simulatorUrl!: string;
  /** The connectors process's operations listener (not started by default: `startApp('connectors')`). */
  connectorsUrl!: string;
  /** The second connectors replica's (`startApp('connectors-2')`). */
  connectors2Url!: string;
  credentials!: Record<string, { clientId: string; clientSecret: string }>;
  db!: TestDatabase;
  private env!: Record<string, string>;
  private dir!: string;
  /** Whether `stop` checks the run's audit (the stack's own database; not one the caller brings and may have stopped). */
  private verifiesAudit = false;

  static async start(extraEnv: Record<string, string> = {}, options: StackOptions = {}): Promise<Stack> {
    const stack = new Stack();
    await stack.boot(extraEnv, options);
    return stack;
  }

  /**
   * A stack on a database and Redis of the caller's that may not be up yet:
   * nothing is migrated, seeded or started (see `runCli`, `seed`, `startApp`).
   */
  static async prepare(database: TestDatabase, redisUrl: string, extraEnv: Record<string, string> = {}): Promise<Stack> {
    const stack = new Stack();
    stack.db = database;
    await stack.configure(redisUrl, extraEnv);
    return stack;
  }

  private async boot(extraEnv: Record<string, string>, options: StackOptions): Promise<void> {
    this.db = await createTestDatabase();
    this.verifiesAudit = true;
    await this.configure(options.redisUrl ?? testServers().redisUrl, extraEnv);
    await this.seed();
    await Promise.all([this.startApp('hub-api'), this.startApp('worker'), this.startApp('simulator')]);
  }

  private async configure(redisUrl: string, extraEnv: Record<string, string>): Promise<void> {
    this.dir = mkdtempSync(join(tmpdir(), 'hub-stack-'));
    const [apiPort, workerPort, simulatorPort, connectorsPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
    this.connectors2Url = `http://127.0.0.1:${await freePort()}`;
    this.apiUrl = `http://127.0.0.1:${apiPort}`;
    this.workerUrl = `http://127.0.0.1:${workerPort}`;
    this.simulatorUrl = `http://127.0.0.1:${simulatorPort}`;
    this.connectorsUrl = `http://127.0.0.1:${connectorsPort}`;
    this.env = {
      ...hubEnvironment(this.db.url, redisUrl, {
        PORT: String(apiPort),
        WORKER_PORT: String(workerPort),
        CONNECTORS_PORT: String(connectorsPort),
        RECONCILE_INTERVAL_MS: '500',
        DELIVERY_BACKOFF_BASE_MS: '200',
        AUDIT_CHECKPOINT_INTERVAL_MS: '500',
        ...extraEnv,
      }),
      SIMULATOR_PORT: String(simulatorPort),
      HUB_URL: this.apiUrl,
      SIMULATOR_CREDENTIALS: join(this.dir, 'demo-credentials.json'),
    };
  }

  /** Registers the demo participants (hub-cli seed-demo) and makes the API client with their credentials. */
  async seed(): Promise<void> {
    await this.runCli(['seed-demo', '--credentials', this.env.SIMULATOR_CREDENTIALS, '--simulator-url', this.simulatorUrl]);
    this.credentials = JSON.parse(readFileSync(this.env.SIMULATOR_CREDENTIALS, 'utf8')) as typeof this.credentials;
    this.api = new ApiClient(this.apiUrl, this.credentials);
  }

  /** Runs hub-cli with the stack's environment; resolves with its output, rejects when it exits non-zero. */
  runCli(args: string[]): Promise<string> {
    return new Promise<string>((ok, fail) => {
      const child = spawn(process.execPath, [join(DIST, 'hub-cli/src/main.js'), ...args], { env: { ...process.env, ...this.env }, stdio: 'pipe' });
      let output = '';
      child.stdout.on('data', (d) => (output += d));
      child.stderr.on('data', (d) => (output += d));
      child.on('exit', (code) => (code === 0 ? ok(output) : fail(new Error(`hub-cli ${args[0]} failed (${code}): ${output}`))));
    });
  }

  async startApp(name: AppName, wait: AppWait = 'ready'): Promise<void> {
    const logFile = join(this.dir, `${name}.log`);
    const log = createWriteStream(logFile, { flags: 'a' });
    const replica = name === 'connectors-2' ? { CONNECTORS_PORT: new URL(this.connectors2Url).port } : {};
    const child = spawn(process.execPath, ['--enable-source-maps', join(DIST, name.replace(/-2$/, ''), 'src/main.js')], {
      env: { ...process.env, ...this.env, ...replica },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.pipe(log);
    child.stderr.pipe(log);
    this.processes.set(name, child);
    const health = {
      'hub-api': `${this.apiUrl}/health/${wait}`,
      worker: `${this.workerUrl}/health/${wait}`,
      simulator: `${this.simulatorUrl}/health`,
      connectors: `${this.connectorsUrl}/health/${wait}`,
      'connectors-2': `${this.connectors2Url}/health/${wait}`,
    }[name];
    await waitFor(health, 30_000, child, name, logFile);
  }

  /** Waits until the API answers ready again (after a refused or unanswered request while it restarts). */
  async apiReady(timeoutMs = 60_000): Promise<void> {
    await eventually('hub-api to be ready', async () => (await fetch(`${this.apiUrl}/health/ready`).catch(() => undefined))?.ok, timeoutMs);
  }

  /** The process of a running app (to check it is still alive). */
  process(name: AppName): ChildProcess | undefined {
    return this.processes.get(name);
  }

  /** Stops one app: SIGTERM for a clean stop, SIGKILL to simulate a crash. */
  async stopApp(name: AppName, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.processes.get(name);
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill(signal);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, 10_000)))]);
    clearTimeout(timer);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    this.processes.delete(name);
  }

  /** Stops one app (SIGTERM, or SIGKILL for a crash) and starts it again with the same environment. */
  async restartApp(name: AppName, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    await this.stopApp(name, signal);
    await this.startApp(name);
  }

  /** Calls the simulator's own control API; `T` is what the caller expects back. */
  async simulator<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    const r = await fetch(this.simulatorUrl + path, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return (r.status === 204 ? undefined : await r.json()) as T;
  }

  log(name: AppName): string {
    return readFileSync(join(this.dir, `${name}.log`), 'utf8');
  }

  /**
   * Stops every app, then checks the run's audit as an operator would
   * (`hub-cli audit-verify`: every hash chain and checkpoint the run wrote;
   * rejects naming the first broken link), then drops the database.
   */
  async stop(): Promise<void> {
    await Promise.all([...this.processes.keys()].map((name) => this.stopApp(name)));
    try {
      if (this.verifiesAudit) await this.runCli(['audit-verify']);
    } finally {
      await this.db.drop();
    }
  }
}

/** Polls until `check` returns a value, or fails with `what` after the timeout. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 30_000, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value) return value;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}
