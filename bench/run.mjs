// `npm run bench`: the hub's throughput and latency next to baselines measured
// in the same run on the same machine (issue 4). Starts PostgreSQL and Redis
// (embedded defaults, or DATABASE_URL / REDIS_URL), a local sink receiver,
// hub-api and worker from dist/, and three baselines:
//   bare Fastify + pg  — the same create transaction without Nest and ORM
//   bare NestJS 201    — the framework's ceiling
//   raw BullMQ loop    — sign + POST to the same sink, no bookkeeping
// Every figure is the median of --runs runs; the table goes to stdout and
// everything to bench/results/latest.json. Only loopback traffic.
// `npm run bench -- --help` lists the options.
//
// This file runs the sequence; the parts have a module each:
//   options.mjs    the command line
//   setup.mjs      the stack under test and its clients (stack.mjs starts processes)
//   scenarios.mjs  what is measured (load.mjs generates the load, cpu.mjs and
//                  statements.mjs count CPU and SQL per unit of work)
//   report.mjs     medians, the table, notes, the JSON document
//   mapping.mjs    the mapping profiles' cost per change, in this process
import { cpus, loadavg, totalmem, tmpdir } from 'node:os';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { build } from '../scripts/build.mjs';
import { onExit, runExitHandlers } from '../scripts/lib/infra.mjs';
import { machineBusyMs } from './cpu.mjs';
import { mappingTable, measureMapping } from './mapping.mjs';
import { now } from './load.mjs';
import { readOptions, USAGE } from './options.mjs';
import { medians, notes as notesFor, printDetails, table, tableLines } from './report.mjs';
import { scenarios } from './scenarios.mjs';
import { startBench } from './setup.mjs';
import { ROOT } from './stack.mjs';

const options = readOptions(ROOT);
if (options.help) {
  console.log(USAGE);
  process.exit(0);
}
const { opt, drainSample, out } = options;
/** @param {string} line */
const say = (line) => console.log(`[bench] ${line}`);
const started = Date.now();
const loadAverageAtStart = loadavg().map((l) => Math.round(l * 100) / 100);
if (loadAverageAtStart[0] > 0.5 * cpus().length)
  say(`note: load average ${loadAverageAtStart[0]} on ${cpus().length} CPUs before the start — other work will skew the figures`);

// ---------------------------------------------------------------------------
// Setup

const resultsDir = join(ROOT, 'bench/results');
const logsDir = join(resultsDir, 'logs');
rmSync(logsDir, { recursive: true, force: true });
mkdirSync(logsDir, { recursive: true });
const workDir = mkdtempSync(join(tmpdir(), 'drehscheibe-bench-'));
onExit(() => rmSync(workDir, { recursive: true, force: true })); // registered first: runs last

if (options.build) say(`built ${await build()} files into dist/`);
// In this process, before the stack starts: the machine is quiet then.
say('measuring the mapping profiles (per change, in process)');
const mapping = await measureMapping({ runs: Math.max(3, opt.runs), iterations: opt.runs === 1 ? 1000 : 5000 });
/** @param {string} name */
const profileFile = (name) => join(workDir, `${name}.cpuprofile`);
const bench = await startBench({
  workDir,
  logsDir,
  profile: opt.profile,
  profileFile,
  onServersReady: (servers) =>
    say(`PostgreSQL ${servers.external ? '(DATABASE_URL)' : '(embedded, fsync on)'} and Redis ${process.env.REDIS_URL ? '(REDIS_URL)' : '(local)'} ready`),
});
const { servers, cpu } = bench;
say(
  `stack ready after ${((Date.now() - started) / 1000).toFixed(1)} s; ${opt.runs} run(s) per figure, ${opt.durationMs / 1000} s each, concurrency ${opt.concurrency}`,
);

// ---------------------------------------------------------------------------
// Measurements

const { poolSize, ingestClosed, ingestOpen, createPool, drainThree, desiredState, endToEnd, profileRuns } = scenarios(bench, opt, {
  drainSample,
  resultsDir,
  profileFile,
});

// How much CPU other processes took while we measured: the figures assume a quiet machine.
/** @param {Record<string, number>} snapshot */
const sumCpu = (snapshot) => Object.values(snapshot).reduce((a, b) => a + b, 0);
const quiet0 = { machine: machineBusyMs(), ours: sumCpu(cpu()), at: now() };
/** @type {import('./report.mjs').Runs} */
const runs = { ingest: [], open: [], three: [], desired: [], e2e: [], e2eLow: [] };
for (let r = 1; r <= opt.runs; r++) {
  const i = await ingestClosed(r);
  runs.ingest.push(i);
  say(
    `ingest ${r}/${opt.runs}: hub ${i.hub.rps.toFixed(0)}/s p99 ${i.hub.p99.toFixed(1)} ms · bare Fastify ${i.fastify.rps.toFixed(0)}/s · bare Nest ${i.nest.rps.toFixed(0)}/s · drain (1 receiver) ${i.drain1.perSecond.toFixed(0)}/s`,
  );
}
for (let r = 1; r <= opt.runs; r++) {
  const o = await ingestOpen(r);
  runs.open.push(o);
  say(
    `ingest at ${opt.ingestRate}/s ${r}/${opt.runs}: hub ${o.hub.achieved.toFixed(0)}/s p99 ${o.hub.p99.toFixed(1)} ms · bare Fastify ${o.fastify.achieved.toFixed(0)}/s p99 ${o.fastify.p99.toFixed(1)} ms`,
  );
}
say(`creating ${poolSize} tickets for three receivers`);
await createPool();
for (let r = 1; r <= opt.runs; r++) {
  const d = await drainThree();
  runs.three.push(d);
  const desired = await desiredState();
  runs.desired.push(desired);
  say(`desired state ${r}/${opt.runs}: ${desired.rps.toFixed(0)}/s (PUT …/state with Source-Ref; POST …/status ${d.status.rps.toFixed(0)}/s)`);
  say(
    `deliveries (3 receivers) ${r}/${opt.runs}: hub ${d.hub.perSecond.toFixed(0)}/s · raw BullMQ ${d.raw.perSecond.toFixed(0)}/s (status changes ${d.status.rps.toFixed(0)}/s)`,
  );
  for (const [list, rate] of /** @type {const} */ ([
    [runs.e2e, opt.e2eRate],
    [runs.e2eLow, opt.e2eLowRate],
  ])) {
    const e = await endToEnd(rate);
    list.push(e);
    say(
      `end to end at ${rate}/s ${r}/${opt.runs}: hub p50 ${e.hub.p50.toFixed(1)} p99 ${e.hub.p99.toFixed(1)} ms (${e.hub.missing} missing; status changes ${e.status.achieved.toFixed(0)}/s) · raw BullMQ p50 ${e.raw.p50.toFixed(1)} p99 ${e.raw.p99.toFixed(1)} ms`,
    );
  }
}

const foreignMs = machineBusyMs() - quiet0.machine - (sumCpu(cpu()) - quiet0.ours);
const foreign = { cpuSeconds: Math.round(foreignMs / 100) / 10, shareOfMachine: Math.round((1000 * foreignMs) / ((now() - quiet0.at) * cpus().length)) / 10 };

// Optional: CPU profiles of hub-api (one ingest run) and worker (one drain)
const { profiles, statements } = opt.profile ? await profileRuns() : { profiles: undefined, statements: undefined };

// ---------------------------------------------------------------------------
// Report

const m = medians(runs);
const rows = table(m, opt);
const notes = notesFor(m, opt, { foreign, drainSample });
console.log(`\n${tableLines(rows).join('\n')}\n\n${notes.map((n) => `  ${n}`).join('\n')}`);
printDetails(profiles, statements);
console.log(`\n${mappingTable(mapping).join('\n')}`);

const result = {
  when: new Date().toISOString(),
  machine: {
    cpus: cpus().length,
    cpu: cpus()[0]?.model,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: process.platform,
    loadAverageAtStart,
    otherProcesses: foreign,
  },
  options: { ...opt, postgres: servers.external ? 'DATABASE_URL' : 'embedded, fsync on', redis: process.env.REDIS_URL ? 'REDIS_URL' : 'local redis-server' },
  medians: m,
  table: rows.map(({ ok, ...r }) => ({ ...r, ratio: Number.isFinite(r.ratio) ? Math.round(r.ratio * 100) / 100 : null, met: ok })),
  notes,
  profiles,
  statements,
  mapping,
  runs,
  seconds: Math.round((Date.now() - started) / 1000),
};
mkdirSync(join(out, '..'), { recursive: true });
writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
say(`wrote ${relative(process.cwd(), out) || out}; logs in ${relative(process.cwd(), logsDir)}; ${result.seconds} s in all`);
await runExitHandlers();
process.exit(0);
