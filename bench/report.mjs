// The benchmark's report: medians over the runs, the table of hub vs
// baseline with the targets of issue 4, notes, and the optional profiles and
// statement lists, for the terminal and for bench/results/latest.json.
import { median } from './load.mjs';

/** @typedef {import('./options.mjs').BenchOptions} BenchOptions */
/** @typedef {import('./scenarios.mjs').IngestRun} IngestRun */
/** @typedef {import('./scenarios.mjs').OpenRun} OpenRun */
/** @typedef {import('./scenarios.mjs').ThreeReceiversRun} ThreeReceiversRun */
/** @typedef {import('./scenarios.mjs').EndToEndRun} EndToEndRun */
/** @typedef {import('./scenarios.mjs').Profile} Profile */
/** @typedef {import('./scenarios.mjs').Statements} Statements */
/** @typedef {import('./scenarios.mjs').DesiredStateRun} DesiredStateRun */
/** @typedef {{ ingest: IngestRun[], open: OpenRun[], three: ThreeReceiversRun[], desired: DesiredStateRun[], e2e: EndToEndRun[], e2eLow: EndToEndRun[] }} Runs */
/** @typedef {ReturnType<typeof medians>} Medians */
/** @typedef {{ figure: string, hub: string, baseline: string, ratio: number, target?: string, ok?: boolean }} Row */
/** @typedef {{ cpuSeconds: number, shareOfMachine: number }} ForeignCpu */

/**
 * @template T
 * @param {T[]} list
 * @param {(x: T) => number | undefined} pick
 */
const med = (list, pick) => median(list.map((x) => /** @type {number} */ (pick(x))));
/**
 * Per-key medians of { process: ms } objects.
 * @template T
 * @param {T[]} list
 * @param {(x: T) => Record<string, number> | undefined} pick
 * @returns {Record<string, number>}
 */
const medCpu = (list, pick) => {
  const keys = [...new Set(list.flatMap((x) => Object.keys(pick(x) ?? {})))];
  return Object.fromEntries(keys.map((k) => /** @type {[string, number]} */ ([k, median(list.map((x) => pick(x)?.[k] ?? 0))])).filter(([, v]) => v >= 0.05));
};

/**
 * The median of every figure over the runs.
 * @param {Runs} runs
 */
export function medians(runs) {
  return {
    ingest: {
      hub: {
        rps: med(runs.ingest, (x) => x.hub.rps),
        p50: med(runs.ingest, (x) => x.hub.p50),
        p99: med(runs.ingest, (x) => x.hub.p99),
        statementsPerCreate: med(runs.ingest, (x) => x.hub.statementsPerCreate),
      },
      fastify: {
        rps: med(runs.ingest, (x) => x.fastify.rps),
        p50: med(runs.ingest, (x) => x.fastify.p50),
        p99: med(runs.ingest, (x) => x.fastify.p99),
        statementsPerCreate: med(runs.ingest, (x) => x.fastify.statementsPerCreate),
      },
      nest: { rps: med(runs.ingest, (x) => x.nest.rps), p50: med(runs.ingest, (x) => x.nest.p50), p99: med(runs.ingest, (x) => x.nest.p99) },
    },
    open: {
      hub: { achieved: med(runs.open, (x) => x.hub.achieved), p50: med(runs.open, (x) => x.hub.p50), p99: med(runs.open, (x) => x.hub.p99) },
      fastify: { achieved: med(runs.open, (x) => x.fastify.achieved), p50: med(runs.open, (x) => x.fastify.p50), p99: med(runs.open, (x) => x.fastify.p99) },
    },
    deliveries: {
      hubOneReceiver: med(runs.ingest, (x) => x.drain1.perSecond),
      hubThreeReceivers: med(runs.three, (x) => x.hub.perSecond),
      raw: med(runs.three, (x) => x.raw.perSecond),
      statementsPerDelivery: med(runs.three, (x) => x.hub.statementsPerDelivery),
      statementsPerDeliveryOneReceiver: med(runs.ingest, (x) => x.drain1.statementsPerDelivery),
      statusChangesPerSecond: med(runs.three, (x) => x.status.rps),
      statementsPerStatusChange: med(runs.three, (x) => x.status.statementsPerChange),
    },
    desiredState: {
      perSecond: med(runs.desired, (x) => x.rps),
      statementsPerChange: med(runs.desired, (x) => x.statementsPerChange),
      cpuMsPerChange: medCpu(runs.desired, (x) => x.cpuMsPerChange),
    },
    e2e: {
      hub: {
        p50: med(runs.e2e, (x) => x.hub.p50),
        p99: med(runs.e2e, (x) => x.hub.p99),
        missing: med(runs.e2e, (x) => x.hub.missing),
        achieved: med(runs.e2e, (x) => x.status.achieved),
        statusP99: med(runs.e2e, (x) => x.status.p99),
      },
      raw: { p50: med(runs.e2e, (x) => x.raw.p50), p99: med(runs.e2e, (x) => x.raw.p99), missing: med(runs.e2e, (x) => x.raw.missing) },
    },
    cpuMs: {
      perCreateHub: medCpu(runs.ingest, (x) => x.hub.cpuMsPerCreate),
      perCreateBareFastify: medCpu(runs.ingest, (x) => x.fastify.cpuMsPerCreate),
      perStatusChangeHub: medCpu(runs.three, (x) => x.status.cpuMsPerChange),
      perDeliveryHubOneReceiver: medCpu(runs.ingest, (x) => x.drain1.cpuMsPerDelivery),
      perDeliveryHubThreeReceivers: medCpu(runs.three, (x) => x.hub.cpuMsPerDelivery),
      perDeliveryRawBullmq: medCpu(runs.three, (x) => x.raw.cpuMsPerDelivery),
    },
    e2eLow: {
      hub: {
        p50: med(runs.e2eLow, (x) => x.hub.p50),
        p99: med(runs.e2eLow, (x) => x.hub.p99),
        missing: med(runs.e2eLow, (x) => x.hub.missing),
        achieved: med(runs.e2eLow, (x) => x.status.achieved),
        statusP99: med(runs.e2eLow, (x) => x.status.p99),
      },
      raw: { p50: med(runs.e2eLow, (x) => x.raw.p50), p99: med(runs.e2eLow, (x) => x.raw.p99) },
    },
  };
}

/** @param {number} v */
const f0 = (v) => (Number.isFinite(v) ? v.toFixed(0) : 'n/a');
/** @param {number} v */
const f1 = (v) => (Number.isFinite(v) ? v.toFixed(1) : 'n/a');
/**
 * @param {number} a
 * @param {number} b
 */
const ratio = (a, b) => (Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? a / b : NaN);
/** @param {boolean | undefined} ok */
const verdict = (ok) => (ok === undefined ? '' : ok ? 'met' : 'MISSED');
/**
 * Hub vs baseline, figure by figure, with the targets where issue 4 set one.
 * @param {Medians} m
 * @param {BenchOptions} opt
 * @returns {Row[]}
 */
export function table(m, opt) {
  return [
    {
      figure: `creations/s at ${opt.concurrency} concurrent`,
      hub: f0(m.ingest.hub.rps),
      baseline: `${f0(m.ingest.fastify.rps)} bare Fastify+pg`,
      ratio: ratio(m.ingest.hub.rps, m.ingest.fastify.rps),
      target: '≥ 0.70',
      ok: ratio(m.ingest.hub.rps, m.ingest.fastify.rps) >= 0.7,
    },
    {
      figure: `creation p50 ms at ${opt.concurrency} concurrent`,
      hub: f1(m.ingest.hub.p50),
      baseline: `${f1(m.ingest.fastify.p50)} bare Fastify+pg`,
      ratio: ratio(m.ingest.hub.p50, m.ingest.fastify.p50),
    },
    {
      figure: `creation p99 ms at ${opt.concurrency} concurrent`,
      hub: f1(m.ingest.hub.p99),
      baseline: `${f1(m.ingest.fastify.p99)} bare Fastify+pg`,
      ratio: ratio(m.ingest.hub.p99, m.ingest.fastify.p99),
    },
    {
      figure: `creations/s vs framework ceiling`,
      hub: f0(m.ingest.hub.rps),
      baseline: `${f0(m.ingest.nest.rps)} bare Nest 201`,
      ratio: ratio(m.ingest.hub.rps, m.ingest.nest.rps),
    },
    {
      figure: `creations/s offered ${opt.ingestRate}/s`,
      hub: f0(m.open.hub.achieved),
      baseline: `${f0(m.open.fastify.achieved)} bare Fastify+pg`,
      ratio: ratio(m.open.hub.achieved, m.open.fastify.achieved),
    },
    {
      figure: `creation p99 ms offered ${opt.ingestRate}/s`,
      hub: f1(m.open.hub.p99),
      baseline: `${f1(m.open.fastify.p99)} bare Fastify+pg`,
      ratio: ratio(m.open.hub.p99, m.open.fastify.p99),
      target: '< 25 ms',
      ok: m.open.hub.p99 < 25,
    },
    {
      figure: 'deliveries/s, 3 receivers',
      hub: f0(m.deliveries.hubThreeReceivers),
      baseline: `${f0(m.deliveries.raw)} raw BullMQ`,
      ratio: ratio(m.deliveries.hubThreeReceivers, m.deliveries.raw),
      target: '≥ 0.40',
      ok: ratio(m.deliveries.hubThreeReceivers, m.deliveries.raw) >= 0.4,
    },
    {
      figure: 'deliveries/s, 1 receiver',
      hub: f0(m.deliveries.hubOneReceiver),
      baseline: `${f0(m.deliveries.raw)} raw BullMQ`,
      ratio: ratio(m.deliveries.hubOneReceiver, m.deliveries.raw),
      target: '≥ 0.40',
      ok: ratio(m.deliveries.hubOneReceiver, m.deliveries.raw) >= 0.4,
    },
    {
      figure: `end-to-end p50 ms at ${opt.e2eRate}/s`,
      hub: f1(m.e2e.hub.p50),
      baseline: `${f1(m.e2e.raw.p50)} raw BullMQ`,
      ratio: ratio(m.e2e.hub.p50, m.e2e.raw.p50),
    },
    {
      figure: `end-to-end p99 ms at ${opt.e2eRate}/s`,
      hub: f1(m.e2e.hub.p99),
      baseline: `${f1(m.e2e.raw.p99)} raw BullMQ`,
      ratio: ratio(m.e2e.hub.p99, m.e2e.raw.p99),
      target: '< 100 ms',
      ok: m.e2e.hub.p99 < 100,
    },
    {
      figure: `end-to-end p50 ms at ${opt.e2eLowRate}/s`,
      hub: f1(m.e2eLow.hub.p50),
      baseline: `${f1(m.e2eLow.raw.p50)} raw BullMQ`,
      ratio: ratio(m.e2eLow.hub.p50, m.e2eLow.raw.p50),
    },
    {
      figure: `end-to-end p99 ms at ${opt.e2eLowRate}/s`,
      hub: f1(m.e2eLow.hub.p99),
      baseline: `${f1(m.e2eLow.raw.p99)} raw BullMQ`,
      ratio: ratio(m.e2eLow.hub.p99, m.e2eLow.raw.p99),
    },
  ];
}

/**
 * @param {unknown} s
 * @param {number} n
 */
const pad = (s, n) => String(s).padEnd(n);

/**
 * The table as text lines.
 * @param {Row[]} rows
 */
export function tableLines(rows) {
  return [
    `${pad('figure', 36)}${pad('hub', 9)}${pad('baseline', 28)}${pad('ratio', 8)}target`,
    ...rows.map(
      (r) =>
        `${pad(r.figure, 36)}${pad(r.hub, 9)}${pad(r.baseline, 28)}${pad(Number.isFinite(r.ratio) ? r.ratio.toFixed(2) : 'n/a', 8)}${r.target ? `${r.target} ${verdict(r.ok)}` : ''}`,
    ),
  ];
}

/**
 * What the table does not show: statements and CPU per unit of work, other load, the sample sizes.
 * @param {Medians} m
 * @param {BenchOptions} opt
 * @param {{ foreign: ForeignCpu, drainSample: number }} context
 */
export function notes(m, opt, { foreign, drainSample }) {
  return [
    `statements per request (pg_stat_statements): create ${f1(m.ingest.hub.statementsPerCreate)} hub vs ${f1(m.ingest.fastify.statementsPerCreate)} bare Fastify; status change ${f1(m.deliveries.statementsPerStatusChange)}; delivery ${f1(m.deliveries.statementsPerDelivery)} (3 receivers), ${f1(m.deliveries.statementsPerDeliveryOneReceiver)} (1 receiver)`,
    ...(Math.abs(m.ingest.hub.statementsPerCreate - m.ingest.fastify.statementsPerCreate) > 0.05
      ? [`WARNING: the bare-Fastify baseline no longer issues the hub's statements per create; update bench/baselines/bare-fastify.mjs`]
      : []),
    ...Object.entries(m.cpuMs).map(
      ([what, by]) =>
        `CPU ms ${what}: ${
          Object.entries(by)
            .map(([p, ms]) => `${p} ${ms.toFixed(2)}`)
            .join(', ') || 'n/a'
        }`,
    ),
    `other processes used ${foreign.cpuSeconds} CPU s (${foreign.shareOfMachine}% of the machine) during the measurements${foreign.shareOfMachine > 10 ? ' — the figures are skewed; rerun on a quiet machine' : ''}`,
    `one-receiver drain timed over the first ${drainSample} deliveries of each ingest run's backlog`,
    `status changes/s at ${opt.concurrency} concurrent: ${f0(m.deliveries.statusChangesPerSecond)}; offered ${opt.e2eRate}/s: ${f0(m.e2e.hub.achieved)}/s achieved, answer p99 ${f1(m.e2e.hub.statusP99)} ms; offered ${opt.e2eLowRate}/s: ${f0(m.e2eLow.hub.achieved)}/s, answer p99 ${f1(m.e2eLow.hub.statusP99)} ms`,
    `end-to-end deliveries missing after 30 s: ${f0(m.e2e.hub.missing)} at ${opt.e2eRate}/s, ${f0(m.e2eLow.hub.missing)} at ${opt.e2eLowRate}/s`,
    `desired-state changes/s at ${opt.concurrency} concurrent (PUT …/state with Source-Ref): ${f0(m.desiredState.perSecond)}, ratio ${(m.desiredState.perSecond / m.deliveries.statusChangesPerSecond).toFixed(2)} to POST …/status; statements per change ${f1(m.desiredState.statementsPerChange)}; CPU ms ${
      Object.entries(m.desiredState.cpuMsPerChange)
        .map(([p, ms]) => `${p} ${ms.toFixed(2)}`)
        .join(', ') || 'n/a'
    }`,
  ];
}

/**
 * The optional CPU profiles and statement lists, printed.
 * @param {Record<string, Profile> | undefined} profiles
 * @param {Record<string, Statements> | undefined} statements
 */
export function printDetails(profiles, statements) {
  if (profiles) {
    for (const [name, p] of Object.entries(profiles)) {
      console.log(`\n  CPU profile ${name}: ${p.totalMs} ms sampled; by area (native calls charged to their caller):`);
      console.log(
        p.areas
          .slice(0, 10)
          .map((a) => `    ${pad(`${a.pct}%`, 7)}${a.area}`)
          .join('\n'),
      );
      console.log('  top functions (self time):');
      console.log(
        p.top
          .slice(0, 12)
          .map((t) => `    ${pad(`${t.pct}%`, 7)}${pad(t.fn, 34)} ${t.where}`)
          .join('\n'),
      );
    }
  }

  if (statements) {
    for (const [what, list] of Object.entries(statements)) {
      console.log(`\n  statements ${what} (count, mean exec ms, query):`);
      console.log(
        list
          .slice(0, 14)
          .map((q) => `    ${pad(q.perUnit.toFixed(2), 6)}${pad(q.execMs.toFixed(3), 7)}${q.query.slice(0, 110)}`)
          .join('\n'),
      );
    }
  }
}
