import { spawn, type ChildProcess, type ChildProcessByStdio } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { BUILTIN_PROFILES } from '@drehscheibe/mapping';
import { findFreePort as freePort } from '../../../scripts/lib/ports.mjs';

/**
 * Real Request Tracker 5 instances for the system tests: Debian's
 * request-tracker5 on SQLite, served by its own `rt-server` (Starlet) on a
 * free port of 127.0.0.1. Each instance has its own directory with its site
 * config, an empty config dir (so /etc/request-tracker5's Debian settings,
 * WebPath /rt among them, are not loaded), the database and the server's log.
 *
 * `npm run test:systems` (scripts/test-systems.mjs) installs RT first; this
 * module installs nothing and says so when RT is missing.
 */

const RT_SERVER = '/usr/share/request-tracker5/libexec/rt-server';
const RT_SETUP_DATABASE = '/usr/sbin/rt-setup-database-5';
const SETUP_SCRIPT = resolve(import.meta.dirname ?? '.', 'rt-setup.pl');
/** The custom field the built-in rt5 profile keeps the hub's resolution code in: a select list of exactly those codes. */
const RESOLUTION_CODES = Object.keys(BUILTIN_PROFILES.rt5.valueMaps?.resolution?.toCanonical ?? {});

export interface RtInstanceOptions {
  /** `$rtname` (and `<name>.test` as `$Organization`), e.g. `mila`; also names the default directory. */
  name: string;
  /** Where config, database and log go; created. Default: a fresh directory under the OS temp dir, removed by stop(). */
  dir?: string;
  /** Number of this instance's first ticket (default 1). Give each instance its own range, so that ids never coincide across instances. */
  firstTicketId?: number;
  /** Name of the hub's RT user (default `drehscheibe`). */
  hubUser?: string;
  /** The queue the hub works in (default `Drehscheibe`, the built-in rt5 profile's). */
  queue?: string;
  /** Starlet worker processes (default 3). */
  workers?: number;
  /**
   * bcrypt cost of passwords and auth tokens (default 4, RT's minimum). RT
   * checks a token like a password, so at RT's own default of 12 every
   * authenticated REST2 call costs about 250 ms of CPU, with a token as with
   * basic auth; give 12 to measure what a production RT costs.
   */
  bcryptCost?: number;
  /** For the whole start (default 60 s; less than that is spent unless the machine is very busy: see docs/connectors.md). */
  timeoutMs?: number;
}

/** A privileged RT user; `token` authenticates REST2 calls as `Authorization: token <token>`, name and password work with basic auth. */
export interface RtUser {
  name: string;
  id: number;
  password: string;
  token: string;
}

/** How long each step of the start took, in ms. */
export interface RtStartTimings {
  /** Copying RT's initialised database; for a process's first instance, also making it. */
  database: number;
  /** rt-setup.pl: queue, custom fields, users, tokens, rights. */
  setup: number;
  /** From spawning rt-server until REST2 answers. */
  server: number;
  total: number;
}

export interface RtInstance {
  name: string;
  dir: string;
  /**
   * The server root, `http://127.0.0.1:<port>`, without a trailing slash: what a
   * connector is configured with (the rt5 profile's paths start with `/REST/2.0/`).
   */
  baseUrl: string;
  /** The REST2 root, `<baseUrl>/REST/2.0`, without a trailing slash. */
  restUrl: string;
  port: number;
  /** Token of the hub's user (`hubUser`). */
  hubToken: string;
  /** Token of the human agent `agent`. */
  agentToken: string;
  /** The hub's user, the agent, and a second human (`colleague`). */
  users: { hub: RtUser; agent: RtUser; colleague: RtUser };
  queue: { id: number; name: string };
  /** Ids of the custom fields `Drehscheibe Service`, `Drehscheibe Ticket`, `Drehscheibe Resolution` (transactions name a field by id). */
  customFields: Record<string, number>;
  /** The rt-server's stderr (RT logs warnings and errors there). */
  logFile: string;
  /** The rt-server's process id; it leads its own process group. */
  pid: number;
  timings: RtStartTimings;
  /** The server's processes that are alive now (its process group: the Starlet master and its workers). */
  processes(): number[];
  /**
   * Stops the server's process group (SIGTERM, SIGKILL after 10 s) and removes the default directory. Once; later calls wait for the first.
   * Without it, a guardian process stops the group when the test process is gone.
   */
  stop(): Promise<void>;
}

interface SetupOutput {
  queue: { id: number; name: string };
  customFields: Record<string, number>;
  users: Record<string, { id: number; token: string }>;
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/** The last `lines` non-empty lines of a file, indented, for error messages. */
function tail(file: string, lines = 25): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return '    (no log)';
  }
  const last = text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .slice(-lines);
  return last.length > 0 ? last.map((line) => `    ${line}`).join('\n') : '    (empty log)';
}

/** Pids whose process group is `pgid` (Linux /proc). */
function processGroup(pgid: number): number[] {
  const members: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // fields: state, ppid, pgrp, …; a zombie has ended already.
      if (Number(fields[2]) === pgid && fields[0] !== 'Z') members.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return members;
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // already gone
  }
}

/**
 * Runs `script` in a detached `sh` once this process is gone in any way (its
 * stdin pipe closes, also on SIGKILL; jest's sandbox never emits the test
 * process's 'exit' event to test code). Returns the function that dismisses it.
 */
function whenGone(script: string): () => void {
  const watcher = spawn('/bin/sh', ['-c', `read _ignored; ${script}`], { stdio: ['pipe', 'ignore', 'ignore'], detached: true });
  watcher.on('error', () => undefined);
  watcher.stdin.on('error', () => undefined);
  watcher.unref();
  (watcher.stdin as unknown as { unref?: () => void }).unref?.();
  return () => {
    // Killed first: closing its stdin would make it run the script.
    if (watcher.exitCode === null && watcher.signalCode === null) watcher.kill('SIGKILL');
  };
}

/** Stops the process group `pgid` once this process is gone (SIGTERM, SIGKILL after 10 s), then removes `dir` if given. */
function guardGroup(pgid: number, dir?: string): () => void {
  const stop = `if kill -TERM -${pgid} 2>/dev/null; then i=0; while kill -0 -${pgid} 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done; kill -KILL -${pgid} 2>/dev/null; fi`;
  return whenGone(dir ? `${stop}; rm -rf '${dir}'` : stop);
}

/** Runs a command to its end with stderr appended to `logFile`; resolves with its stdout. */
function runLogged(command: string, args: string[], env: NodeJS.ProcessEnv, logFile: string, input?: string): Promise<string> {
  return new Promise((done, fail) => {
    const log = openSync(logFile, 'a');
    const child = spawn(command, args, { env, stdio: ['pipe', 'pipe', log] }) as ChildProcessByStdio<Writable, Readable, null>;
    closeSync(log);
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.once('error', fail);
    child.once('close', (code, signal) => {
      if (code === 0) done(stdout);
      else fail(new Error(`${command} ${args.join(' ')} failed (${signal ?? `exit code ${code}`}); ${logFile}:\n${tail(logFile)}`));
    });
    child.stdin.end(input ?? '');
  });
}

function siteConfig(options: { name: string; port: number; database: string; bcryptCost: number }): string {
  const perl = (value: string) => `'${value.replace(/[\\']/g, '\\$&')}'`;
  const base = `http://127.0.0.1:${options.port}`;
  return [
    '# Written by test/systems/support/rt-instance.ts for one test instance.',
    `Set($rtname, ${perl(options.name)});`,
    `Set($Organization, ${perl(`${options.name}.test`)});`,
    "Set($WebDomain, '127.0.0.1');",
    `Set($WebPort, ${options.port});`,
    "Set($WebPath, '');",
    `Set($WebBaseURL, ${perl(base)});`,
    "Set($DatabaseType, 'SQLite');",
    `Set($DatabaseName, ${perl(options.database)});`,
    "Set($Timezone, 'UTC');",
    "Set($LogToSTDERR, 'warning');",
    'Set($LogToSyslog, undef);',
    'Set($LogToFile, undef);',
    // Outgoing mail goes to files under the temp dir, never to a mail server.
    "Set($MailCommand, 'testfile');",
    "Set($HTMLFormatter, 'core');",
    // Web sessions (RT keeps them as files on SQLite) of this instance only, beside its database.
    `$RT::MasonSessionDir = ${perl(join(dirname(options.database), 'session_data'))};`,
    `Set($BcryptCost, ${options.bcryptCost});`,
    '1;',
    '',
  ].join('\n');
}

let initialised: Promise<string> | undefined;

/**
 * RT's database as `rt-setup-database-5 --action init` leaves it (schema,
 * system users, default lifecycles and scrips; nothing of the instance's
 * config is in it): made once per process, in a directory removed when the process is gone,
 * and copied for each instance, since making it takes more than a second of CPU.
 */
function emptyDatabase(): Promise<string> {
  if (initialised) return initialised;
  const making = (async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rt-empty-'));
    whenGone(`rm -rf '${dir}'`);
    const database = join(dir, 'rt.db');
    const env: NodeJS.ProcessEnv = { ...process.env, RT_SITE_CONFIG: join(dir, 'site.pm'), RT_SITE_CONFIG_DIR: join(dir, 'etc.d') };
    delete env.HARNESS_ACTIVE;
    mkdirSync(join(dir, 'etc.d'));
    writeFileSync(join(dir, 'site.pm'), siteConfig({ name: 'empty', port: 80, database, bcryptCost: 4 }));
    await runLogged(RT_SETUP_DATABASE, ['--action', 'init', '--skip-create'], env, join(dir, 'rt.log'));
    return database;
  })();
  // A failure is reported to every waiting caller; a later start tries again.
  making.catch(() => {
    if (initialised === making) initialised = undefined;
  });
  initialised = making;
  return making;
}

/**
 * Starts one RT instance: writes its config, copies RT's initialised SQLite
 * database (see emptyDatabase), adds the queue, custom fields, users
 * and rights (rt-setup.pl), and starts `rt-server` in its own process group.
 * Resolves once REST2 answers the hub's token; prints how long that took.
 */
export async function startRtInstance(options: RtInstanceOptions): Promise<RtInstance> {
  const started = Date.now();
  if (!existsSync(RT_SERVER) || !existsSync(RT_SETUP_DATABASE)) {
    throw new Error(
      `Request Tracker 5 is not installed (${RT_SERVER} is missing): run the system tests with \`npm run test:systems\`, which installs it, ` +
        'or install it yourself: apt-get install --no-install-recommends request-tracker5 rt5-db-sqlite rt5-standalone dbconfig-no-thanks',
    );
  }
  const { name, firstTicketId = 1, hubUser = 'drehscheibe', queue = 'Drehscheibe', workers = 3, bcryptCost = 4, timeoutMs = 60_000 } = options;
  const ownDir = options.dir === undefined;
  const dir = resolve(options.dir ?? mkdtempSync(join(tmpdir(), `rt-${name}-`)));
  const configDir = join(dir, 'etc.d');
  mkdirSync(configDir, { recursive: true });
  const sitePm = join(dir, 'site.pm');
  const database = join(dir, 'rt.db');
  const logFile = join(dir, 'rt.log');
  const env: NodeJS.ProcessEnv = { ...process.env, RT_SITE_CONFIG: sitePm, RT_SITE_CONFIG_DIR: configDir };
  delete env.HARNESS_ACTIVE; // RT behaves differently under its own test harness
  const deadline = started + timeoutMs;

  const prepared = await prepare({ name, database, sitePm, logFile, env, bcryptCost, hubUser, queue, firstTicketId }).catch((error: unknown) => {
    if (ownDir) rmSync(dir, { recursive: true, force: true });
    throw error;
  });
  const { users, setup, databaseDone, setupDone } = prepared;
  let { port } = prepared;

  // The port may be taken between choosing and binding it: then another one.
  let child: ChildProcess;
  let dismissGuardian: () => void;
  for (let attempt = 1; ; attempt++) {
    const startedAt = readFileSync(logFile, 'utf8').length;
    child = await startServer(port, workers, env, logFile);
    const pid = child.pid as number;
    dismissGuardian = guardGroup(pid, ownDir ? dir : undefined);
    const outcome = await waitUntilServing(child, `http://127.0.0.1:${port}/REST/2.0`, users.hub.token, deadline);
    if (outcome === 'serving') break;
    dismissGuardian();
    signalGroup(pid, 'SIGKILL');
    const log = readFileSync(logFile, 'utf8').slice(startedAt);
    if (outcome === 'exited' && /address already in use/i.test(log) && attempt < 3) {
      port = await freePort();
      writeFileSync(sitePm, siteConfig({ name, port, database, bcryptCost }));
      continue;
    }
    if (ownDir) rmSync(dir, { recursive: true, force: true });
    throw new Error(
      `rt-server for ${name} on port ${port} ${outcome === 'exited' ? `exited during start (${child.exitCode ?? child.signalCode})` : `did not answer within ${timeoutMs / 1000} s`}; ${logFile}:\n${tail(logFile)}`,
    );
  }
  const server = child;
  const pid = server.pid as number;
  const done = Date.now();
  const timings = { database: databaseDone - started, setup: setupDone - databaseDone, server: done - setupDone, total: done - started };

  const exited = new Promise<void>((ended) => {
    if (server.exitCode !== null || server.signalCode !== null) ended();
    else server.once('exit', () => ended());
  });
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      // SIGTERM, not SIGINT: rt-server's SIGINT handler runs `chown -R www-data /var/lib/request-tracker5` when root.
      signalGroup(pid, 'SIGTERM');
      const killAt = Date.now() + 10_000;
      while (processGroup(pid).length > 0 && Date.now() < killAt) await sleep(50);
      if (processGroup(pid).length > 0) signalGroup(pid, 'SIGKILL');
      await exited;
      while (processGroup(pid).length > 0) await sleep(50);
      dismissGuardian();
      if (ownDir) rmSync(dir, { recursive: true, force: true });
    })();
    return stopping;
  };

  const baseUrl = `http://127.0.0.1:${port}`;
  console.log(
    `RT ${name} at ${baseUrl} started in ${(timings.total / 1000).toFixed(1)} s ` +
      `(database ${(timings.database / 1000).toFixed(1)} s, setup ${(timings.setup / 1000).toFixed(1)} s, server ${(timings.server / 1000).toFixed(1)} s)`,
  );
  return {
    name,
    dir,
    baseUrl,
    restUrl: `${baseUrl}/REST/2.0`,
    port,
    hubToken: users.hub.token,
    agentToken: users.agent.token,
    users,
    queue: setup.queue,
    customFields: setup.customFields,
    logFile,
    pid,
    timings,
    processes: () => processGroup(pid),
    stop,
  };
}

interface Preparation {
  name: string;
  database: string;
  sitePm: string;
  logFile: string;
  env: NodeJS.ProcessEnv;
  bcryptCost: number;
  hubUser: string;
  queue: string;
  firstTicketId: number;
}

/** Config, database and rt-setup.pl: everything before the server starts. */
async function prepare({ name, database, sitePm, logFile, env, bcryptCost, hubUser, queue, firstTicketId }: Preparation) {
  const port = await freePort();
  mkdirSync(join(dirname(database), 'session_data'), { recursive: true });
  writeFileSync(sitePm, siteConfig({ name, port, database, bcryptCost }));
  copyFileSync(await emptyDatabase(), database);
  const databaseDone = Date.now();

  const passwords = { hub: randomBytes(12).toString('hex'), agent: randomBytes(12).toString('hex'), colleague: randomBytes(12).toString('hex') };
  const names = { hub: hubUser, agent: 'agent', colleague: 'colleague' };
  const setupInput = {
    queue,
    users: (['hub', 'agent', 'colleague'] as const).map((role) => ({ name: names[role], password: passwords[role] })),
    resolutionCodes: RESOLUTION_CODES,
    firstTicketId,
  };
  const setupOutput = await runLogged('perl', [SETUP_SCRIPT], env, logFile, JSON.stringify(setupInput));
  let setup: SetupOutput;
  try {
    setup = JSON.parse(setupOutput) as SetupOutput;
  } catch {
    throw new Error(`rt-setup.pl printed no JSON: ${setupOutput.slice(0, 500)}; ${logFile}:\n${tail(logFile)}`);
  }
  const user = (role: keyof typeof names): RtUser => ({ name: names[role], password: passwords[role], ...setup.users[names[role]] });
  const users = { hub: user('hub'), agent: user('agent'), colleague: user('colleague') };
  const setupDone = Date.now();
  return { port, users, setup, databaseDone, setupDone };
}

async function startServer(port: number, workers: number, env: NodeJS.ProcessEnv, logFile: string): Promise<ChildProcess> {
  const log = openSync(logFile, 'a');
  const child = spawn(RT_SERVER, ['--host', '127.0.0.1', '--port', String(port), '--max-workers', String(workers)], {
    env,
    stdio: ['ignore', log, log],
    detached: true, // its own process group: stop() ends the master and its workers together
  });
  closeSync(log);
  await new Promise<void>((started, failed) => {
    child.once('spawn', started);
    child.once('error', failed);
  });
  return child;
}

/** Polls `GET /rt` with the hub's token until it answers 200: the condition that the server, its database and the token work. */
async function waitUntilServing(child: ChildProcess, restUrl: string, token: string, deadline: number): Promise<'serving' | 'exited' | 'timeout'> {
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) return 'exited';
    try {
      const response = await fetch(`${restUrl}/rt`, { headers: { authorization: `token ${token}` }, signal: AbortSignal.timeout(5000) });
      await response.arrayBuffer();
      if (response.status === 200) return 'serving';
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  return 'timeout';
}
