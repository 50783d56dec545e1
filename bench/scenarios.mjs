// What the benchmark measures, one function per scenario, each against the
// stack of setup.mjs: ingest at fixed concurrency and at a fixed rate, the
// drain of deliveries to one and to three receivers, end-to-end latency, and
// optional CPU profiles. Each returns its raw figures; report.mjs takes medians.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { v7 as uuidv7 } from 'uuid';
import { closedLoop, newAgent, now, openLoop, send, summarize } from './load.mjs';
import { ticketCreate } from './payload.mjs';
import { analyzeProfile } from './profile.mjs';
import { dbName } from './statements.mjs';

const DRAIN_TIMEOUT_MS = 180_000;
/** @param {number} ms */
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** @typedef {import('./options.mjs').BenchOptions} BenchOptions */
/** @typedef {import('./setup.mjs').Bench} Bench */
/** @typedef {Record<string, number>} CpuMs CPU ms per unit of work, by process */
/** @typedef {{ n: number, arrived: number, complete: boolean, seconds: number, perSecond: number }} Drain */
/** @typedef {Drain & { cpuMsPerDelivery?: CpuMs, statementsPerDelivery?: number }} MeasuredDrain */
/** @typedef {Awaited<ReturnType<typeof closedLoop>> & { cpuMsPerCreate?: CpuMs, statementsPerCreate?: number }} MeasuredIngest */
/** @typedef {Awaited<ReturnType<typeof openLoop>>} OpenLoop */
/** @typedef {{ hub: MeasuredIngest, drain1: MeasuredDrain, fastify: MeasuredIngest, nest: MeasuredIngest }} IngestRun */
/** @typedef {{ hub: OpenLoop, fastify: OpenLoop }} OpenRun */
/** @typedef {{ status: Awaited<ReturnType<typeof closedLoop>> & { cpuMsPerChange?: CpuMs, statementsPerChange?: number }, hub: MeasuredDrain, raw: MeasuredDrain }} ThreeReceiversRun */
/** @typedef {Awaited<ReturnType<typeof closedLoop>> & { cpuMsPerChange?: CpuMs, statementsPerChange?: number }} DesiredStateRun */
/** @typedef {import('./load.mjs').Summary & { expected: number, missing: number }} Arrivals */
/** @typedef {{ status: OpenLoop, hub: Arrivals, enqueue: OpenLoop, raw: Arrivals }} EndToEndRun */
/** @typedef {ReturnType<typeof analyzeProfile>} Profile */
/** @typedef {Awaited<ReturnType<Bench['statements']['since']>>} Statements */

/**
 * @param {Bench} bench
 * @param {BenchOptions} opt
 * @param {object} more
 * @param {number} more.drainSample the one-receiver drain is timed over this many deliveries
 * @param {string} more.resultsDir where CPU profiles are copied
 * @param {(name: string) => string} more.profileFile where a process writes its CPU profile
 */
export function scenarios(bench, opt, { drainSample, resultsDir, profileFile }) {
  const { sink, servers, hubUrl, fastifyUrl, nestUrl, hubDb, statements, hubQueue, rawQueue, cpu, cpuCost, tokens } = bench;
  const hubDbName = dbName(servers.hubDbUrl);
  const baselineDbName = dbName(servers.baselineDbUrl);

  const runTag = randomBytes(2).toString('hex');
  /** @param {string} prefix */
  const createRequest = (prefix) => (/** @type {number} */ i) => ({
    path: '/v1/tickets',
    headers: { authorization: `Bearer ${tokens.mila}`, 'content-type': 'application/json' },
    body: JSON.stringify(ticketCreate(`${prefix}-${runTag}-${i}`)),
  });

  /**
   * Resumes `queue` and waits for `n` arrivals at the sink: deliveries per second from resume to the n-th.
   * @param {import('bullmq').Queue} queue
   * @param {number} n
   * @returns {Promise<MeasuredDrain>}
   */
  async function drain(queue, n) {
    const t0 = now();
    await queue.resume();
    const state = await sink.waitFor(n, DRAIN_TIMEOUT_MS);
    const complete = state.count >= n;
    const seconds = ((state.last ?? now()) - t0) / 1000;
    return { n, arrived: state.count, complete, seconds, perSecond: complete ? state.count / seconds : NaN };
  }

  /**
   * Drops a delivery backlog nobody measures (what is left after a bounded
   * drain sample, and the deliveries of the open-loop and pool runs): with the
   * queue paused, pending rows are marked done and waiting jobs removed, so the
   * next run starts with an idle worker. The worker skips any job whose row is
   * no longer pending; the reconciler finds nothing to re-enqueue.
   */
  async function discardBacklog() {
    await hubQueue.pause();
    await hubDb.query(`UPDATE deliveries SET status = 'delivered', delivered_at = now(), last_error = 'discarded by the benchmark' WHERE status = 'pending'`);
    await hubQueue.drain(true);
    const deadline = Date.now() + 30_000;
    while ((await hubQueue.getActiveCount()) > 0 && Date.now() < deadline) await sleep(50);
    await hubQueue.resume();
    await sleep(200);
  }

  /**
   * Ingest at fixed concurrency; the hub's run is followed by the drain of what it created (one receiver).
   * @param {number} r
   * @returns {Promise<IngestRun>}
   */
  async function ingestClosed(r) {
    await hubQueue.pause();
    await sink.reset();
    let created = 0;
    const calls0 = await statements.calls(hubDbName);
    let cpu0 = cpu();
    /** @type {MeasuredIngest} */
    const hub = await closedLoop({
      url: hubUrl,
      concurrency: opt.concurrency,
      durationMs: opt.durationMs,
      warmupMs: opt.warmupMs,
      request: createRequest(`ING${r}`),
      onResponse: (_, res) => res.status === 201 && created++,
    });
    hub.cpuMsPerCreate = cpuCost(cpu0, created);
    hub.statementsPerCreate = ((await statements.calls(hubDbName)) - calls0) / created;
    cpu0 = cpu();
    const calls1 = await statements.calls(hubDbName);
    const drain1 = await drain(hubQueue, Math.min(created, drainSample));
    drain1.cpuMsPerDelivery = cpuCost(cpu0, drain1.arrived);
    drain1.statementsPerDelivery = ((await statements.calls(hubDbName)) - calls1) / drain1.arrived;
    await discardBacklog();
    const base0 = await statements.calls(baselineDbName);
    let baseCreated = 0;
    cpu0 = cpu();
    /** @type {MeasuredIngest} */
    const fastify = await closedLoop({
      url: fastifyUrl,
      concurrency: opt.concurrency,
      durationMs: opt.durationMs,
      warmupMs: opt.warmupMs,
      request: createRequest(`FST${r}`),
      onResponse: (_, res) => res.status === 201 && baseCreated++,
    });
    fastify.cpuMsPerCreate = cpuCost(cpu0, baseCreated);
    fastify.statementsPerCreate = ((await statements.calls(baselineDbName)) - base0) / baseCreated;
    const nest = await closedLoop({
      url: nestUrl,
      concurrency: opt.concurrency,
      durationMs: opt.durationMs,
      warmupMs: opt.warmupMs,
      request: createRequest(`NST${r}`),
    });
    return { hub, drain1, fastify, nest };
  }

  /**
   * Ingest at a fixed offered rate (open loop); the hub's deliveries are drained afterwards, unmeasured.
   * @param {number} r
   * @returns {Promise<OpenRun>}
   */
  async function ingestOpen(r) {
    /**
     * @param {string} url
     * @param {string} prefix
     */
    const offered = async (url, prefix) => {
      const base = new URL(url);
      const pool = newAgent(256);
      const req = createRequest(prefix);
      const result = await openLoop({
        rate: opt.ingestRate,
        durationMs: opt.openLoopMs,
        run: (n) => send(pool, base, req(n)).then((res) => res.status === 201),
      });
      pool.destroy();
      return result;
    };
    await hubQueue.pause();
    const hub = await offered(hubUrl, `OPN${r}`);
    await discardBacklog(); // the worker stays idle while the baseline runs
    const fastify = await offered(fastifyUrl, `OPF${r}`);
    return { hub, fastify };
  }

  // The pool for the three-receiver runs: tickets whose assignee's status
  // changes are delivered to their origin — demo-mila, demo-third and demo-bela
  // in turn (bela's tickets are explicitly assigned to demo-third).
  const poolSize = Math.round((Math.max(opt.e2eRate, opt.e2eLowRate) * opt.e2eMs) / 1000);
  /** @type {{ id: string, actor: string, next: 'in_progress' | 'waiting' }[]} */
  const ticketPool = [];
  async function createPool() {
    const kinds = [
      { origin: tokens.mila, actor: tokens.bela, extra: {} },
      { origin: tokens.third, actor: tokens.bela, extra: {} },
      { origin: tokens.bela, actor: tokens.third, extra: { assignee: { participantId: 'demo-third' } } },
    ];
    const res = await closedLoop({
      url: hubUrl,
      concurrency: opt.concurrency,
      durationMs: 120_000,
      total: poolSize,
      request: (i) => ({
        path: '/v1/tickets',
        headers: { authorization: `Bearer ${kinds[i % 3].origin}`, 'content-type': 'application/json' },
        body: JSON.stringify(ticketCreate(`POOL-${runTag}-${i}`, kinds[i % 3].extra)),
      }),
      onResponse: (i, r) => r.status === 201 && (ticketPool[i] = { id: JSON.parse(r.text).id, actor: kinds[i % 3].actor, next: 'in_progress' }),
    });
    if (res.ok !== poolSize) throw new Error(`creating the ticket pool: ${res.ok}/${poolSize} created; ${res.firstError}`);
    await discardBacklog();
  }

  /**
   * The next status change for pool ticket i: in_progress and waiting in turn.
   * @param {number} i
   */
  function statusChange(i) {
    const t = ticketPool[i];
    const status = t.next;
    t.next = status === 'in_progress' ? 'waiting' : 'in_progress';
    return {
      path: `/v1/tickets/${t.id}/status`,
      headers: { authorization: `Bearer ${t.actor}`, 'content-type': 'application/json' },
      body: JSON.stringify(status === 'waiting' ? { status, reason: 'Bitte Vorgangsnummer nachreichen.' } : { status }),
    };
  }

  let sourceRefs = 0;
  /**
   * The same change as `statusChange`, said as a desired state with the
   * source system's change id (what a bridge sends): the planner, the
   * Source-Ref lookup and its row are what it costs beyond POST …/status.
   * @param {number} i
   */
  function desiredStateChange(i) {
    const t = ticketPool[i];
    const status = t.next;
    t.next = status === 'in_progress' ? 'waiting' : 'in_progress';
    return {
      method: 'PUT',
      path: `/v1/tickets/${t.id}/state`,
      headers: { authorization: `Bearer ${t.actor}`, 'content-type': 'application/json', 'source-ref': `bench-${runTag}-${++sourceRefs}` },
      body: JSON.stringify(status === 'waiting' ? { status, text: 'Bitte Vorgangsnummer nachreichen.' } : { status }),
    };
  }

  /**
   * Desired-state changes on the pool, closed loop; their deliveries are discarded.
   * @returns {Promise<DesiredStateRun>}
   */
  async function desiredState() {
    await hubQueue.pause();
    const calls0 = await statements.calls(hubDbName);
    const cpu0 = cpu();
    /** @type {DesiredStateRun} */
    const run = await closedLoop({ url: hubUrl, concurrency: opt.concurrency, durationMs: 120_000, total: poolSize, request: desiredStateChange });
    run.cpuMsPerChange = cpuCost(cpu0, run.ok);
    run.statementsPerChange = ((await statements.calls(hubDbName)) - calls0) / run.ok;
    await discardBacklog();
    return run;
  }

  /** @type {string | undefined} */
  let rawBody;
  const rawUrls = ['demo-mila', 'demo-third', 'demo-bela'].map((p) => `${sink.url}/raw/${p}/webhook`);

  /**
   * Deliveries to three receivers: hub (status changes on the pool) vs raw BullMQ (same count, same body).
   * @returns {Promise<ThreeReceiversRun>}
   */
  async function drainThree() {
    await hubQueue.pause();
    await sink.reset();
    const calls0 = await statements.calls(hubDbName);
    let cpu0 = cpu();
    /** @type {ThreeReceiversRun['status']} */
    const status = await closedLoop({ url: hubUrl, concurrency: opt.concurrency, durationMs: 120_000, total: poolSize, request: statusChange });
    status.cpuMsPerChange = cpuCost(cpu0, status.ok);
    status.statementsPerChange = ((await statements.calls(hubDbName)) - calls0) / status.ok;
    const calls1 = await statements.calls(hubDbName);
    cpu0 = cpu();
    const hub = await drain(hubQueue, status.ok);
    hub.cpuMsPerDelivery = cpuCost(cpu0, hub.arrived);
    hub.statementsPerDelivery = ((await statements.calls(hubDbName)) - calls1) / hub.arrived;
    if (!hub.complete) await discardBacklog();
    rawBody ??= await sink.sample();
    await rawQueue.pause();
    await sink.reset();
    for (let i = 0; i < poolSize; i += 500) {
      const jobs = Array.from({ length: Math.min(500, poolSize - i) }, (_, k) => ({
        name: 'deliver',
        data: { url: rawUrls[(i + k) % 3], body: rawBody },
        opts: { jobId: uuidv7(), removeOnComplete: { age: 3600, count: 5000 }, removeOnFail: { age: 86400, count: 5000 } },
      }));
      await rawQueue.addBulk(jobs);
    }
    cpu0 = cpu();
    const raw = await drain(rawQueue, poolSize);
    raw.cpuMsPerDelivery = cpuCost(cpu0, raw.arrived);
    return { status, hub, raw };
  }

  /**
   * End to end at a fixed offered rate: from a status change answered (hub) or
   * a job added (raw BullMQ) to its arrival at the sink.
   * @param {number} rate
   * @returns {Promise<EndToEndRun>}
   */
  async function endToEnd(rate) {
    const base = new URL(hubUrl);
    const pool = newAgent(256);
    /** @type {Map<string, number>} */
    const answered = new Map();
    await sink.reset();
    const status = await openLoop({
      rate,
      durationMs: opt.e2eMs,
      run: async (n) => {
        const res = await send(pool, base, statusChange(n));
        const t = now();
        if (res.status !== 200) return false;
        const ticket = JSON.parse(res.text);
        answered.set(`${ticket.id}/${ticket.version}`, t);
        return true;
      },
    });
    pool.destroy();
    const hub = await matchArrivals(answered, (a) => a.key);

    /** @type {Map<string, number>} */
    const added = new Map();
    await sink.reset();
    const enqueue = await openLoop({
      rate,
      durationMs: opt.e2eMs,
      run: async (n) => {
        const jobId = uuidv7();
        await rawQueue.add(
          'deliver',
          { url: rawUrls[n % 3], body: rawBody },
          { jobId, removeOnComplete: { age: 3600, count: 5000 }, removeOnFail: { age: 86400, count: 5000 } },
        );
        added.set(jobId, now());
        return true;
      },
    });
    const raw = await matchArrivals(added, (a) => a.id);
    return { status, hub, enqueue, raw };
  }

  /**
   * @param {Map<unknown, number>} started
   * @param {(arrival: import('./stack.mjs').Arrival) => unknown} keyOf
   * @returns {Promise<Arrivals>}
   */
  async function matchArrivals(started, keyOf) {
    await sink.waitFor(started.size, 30_000);
    const latencies = [];
    for (const a of await sink.collect()) {
      const t0 = started.get(keyOf(a));
      if (t0 !== undefined) latencies.push(a.t - t0);
    }
    return { ...summarize(latencies), expected: started.size, missing: started.size - latencies.length };
  }

  /**
   * CPU profiles of hub-api and bare Fastify (one ingest run each) and of the
   * worker (one drain), with the statements each ran per unit of work.
   * @returns {Promise<{ profiles: Record<string, Profile>, statements: Record<string, Statements> }>}
   */
  async function profileRuns() {
    /**
     * @param {string} name the profiled process
     * @param {() => Promise<unknown>} work
     * @param {string} [saveAs] the name of the saved profile, when one process is profiled twice
     */
    const capture = async (name, work, saveAs = name) => {
      const file = profileFile(name);
      rmSync(file, { force: true });
      writeFileSync(`${file}.start`, '');
      while (existsSync(`${file}.start`)) await sleep(20);
      await work();
      writeFileSync(`${file}.stop`, '');
      const deadline = Date.now() + 15_000;
      while (!existsSync(file) && Date.now() < deadline) await sleep(100);
      await sleep(300);
      const analysis = analyzeProfile(JSON.parse(readFileSync(file, 'utf8')));
      writeFileSync(join(resultsDir, `${saveAs}.cpuprofile`), readFileSync(file));
      return analysis;
    };
    await hubQueue.pause();
    await sink.reset();
    let created = 0;
    await discardBacklog();
    await hubQueue.pause();
    /** @type {Record<string, Profile>} */
    const profiles = {};
    /** @type {Record<string, Statements>} */
    const perUnit = {};
    await statements.reset();
    profiles['hub-api (ingest)'] = await capture('hub-api', () =>
      closedLoop({
        url: hubUrl,
        concurrency: opt.concurrency,
        durationMs: opt.durationMs,
        request: createRequest('PRF'),
        onResponse: (_, res) => res.status === 201 && created++,
      }),
    );
    perUnit.hubPerCreate = await statements.since(hubDbName, created);
    await discardBacklog();
    await hubQueue.pause();
    await statements.reset();
    let changed = 0;
    profiles['hub-api (status changes)'] = await capture(
      'hub-api',
      () =>
        closedLoop({
          url: hubUrl,
          concurrency: opt.concurrency,
          durationMs: opt.durationMs,
          total: poolSize,
          request: statusChange,
          onResponse: (_, res) => res.status === 200 && changed++,
        }),
      'hub-api-status',
    );
    perUnit.hubPerStatusChange = await statements.since(hubDbName, changed);
    await discardBacklog();
    await hubQueue.pause();
    let baseCreated = 0;
    profiles['bare-fastify (ingest)'] = await capture('bare-fastify', () =>
      closedLoop({
        url: fastifyUrl,
        concurrency: opt.concurrency,
        durationMs: opt.durationMs,
        request: createRequest('PRB'),
        onResponse: (_, res) => res.status === 201 && baseCreated++,
      }),
    );
    perUnit.bareFastifyPerCreate = await statements.since(baselineDbName, baseCreated);
    await statements.reset();
    const sample = Math.min(created, drainSample);
    profiles['worker (drain, 1 receiver)'] = await capture('worker', () => drain(hubQueue, sample));
    perUnit.hubPerDeliveryOneReceiver = await statements.since(hubDbName, sample);
    return { profiles, statements: perUnit };
  }

  return { poolSize, ingestClosed, ingestOpen, createPool, drainThree, desiredState, endToEnd, profileRuns };
}
