// A small HTTP load generator on node:http with keep-alive connections.
// closedLoop: a fixed number of clients, each sending its next request when
// the previous answer is in (throughput and latency at fixed concurrency).
// openLoop: requests scheduled at a fixed offered rate; latency counts from
// the scheduled start, so a stalled server cannot hide its queue
// (no coordinated omission). Every loop is bounded in time.
import http from 'node:http';

/** Wall clock in ms with sub-ms resolution, comparable across processes. */
export const now = () => performance.timeOrigin + performance.now();
/** @param {number} ms */
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** @typedef {{ n: number, p50: number, p90: number, p99: number, max: number, mean: number }} Summary */
/** @typedef {{ method?: string, path: string, headers?: Record<string, string>, body?: string | Buffer }} Request */
/** @typedef {{ status: number, text: string }} Response */

/**
 * Nearest-rank percentiles plus count/mean/max of a list of numbers (ms).
 * @param {number[]} values
 * @returns {Summary}
 */
export function summarize(values) {
  const sorted = Float64Array.from(values).sort();
  /** @param {number} p */
  const pick = (p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] : NaN);
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    n: sorted.length,
    p50: pick(50),
    p90: pick(90),
    p99: pick(99),
    max: sorted.length ? sorted[sorted.length - 1] : NaN,
    mean: sorted.length ? sum / sorted.length : NaN,
  };
}

/** @param {number[]} values */
export const median = (values) => {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  return v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
};

/**
 * One request; resolves with status and body text, rejects on network errors and timeouts.
 * @param {http.Agent} agent
 * @param {URL} base
 * @param {Request} request
 * @param {number} [timeoutMs]
 * @returns {Promise<Response>}
 */
export function send(agent, base, { method = 'POST', path, headers = {}, body }, timeoutMs = 10_000) {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(body);
    const req = http.request(
      {
        agent,
        host: base.hostname,
        port: base.port,
        method,
        path,
        headers: payload ? { ...headers, 'content-length': payload.length } : headers,
        timeout: timeoutMs,
      },
      (res) => {
        /** @type {Buffer[]} */
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: /** @type {number} */ (res.statusCode), text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timeout after ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(payload);
  });
}

/** @param {number} maxSockets */
function newAgent(maxSockets) {
  return new http.Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets, scheduling: 'fifo' });
}

/**
 * `concurrency` clients for `durationMs` (after an unrecorded warm-up), or
 * until `total` requests were sent, whichever comes first.
 * `request(i)` builds request number i; `ok(status)` decides success;
 * `onResponse(i, res, answeredAt)` sees every answer.
 * @param {object} options
 * @param {string} options.url
 * @param {number} options.concurrency
 * @param {number} options.durationMs
 * @param {number} [options.total]
 * @param {number} [options.warmupMs]
 * @param {(i: number) => Request} options.request
 * @param {(status: number) => boolean} [options.ok]
 * @param {(i: number, res: Response, answeredAt: number) => unknown} [options.onResponse]
 */
export async function closedLoop({ url, concurrency, durationMs, total = Infinity, warmupMs = 0, request, ok = (s) => s >= 200 && s < 300, onResponse }) {
  const base = new URL(url);
  const agent = newAgent(concurrency);
  let i = 0;
  /** @type {number[]} */
  const latencies = [];
  /** @type {Record<number, number>} */
  const statuses = {};
  let errors = 0;
  /** @type {string | undefined} */
  let firstError;
  let recording = false;
  let stopAt = 0;
  let good = 0;
  const client = async () => {
    while (now() < stopAt && i < total) {
      const n = i++;
      const started = performance.now();
      try {
        const res = await send(agent, base, request(n));
        const answered = now();
        if (onResponse) onResponse(n, res, answered);
        if (!recording) continue;
        statuses[res.status] = (statuses[res.status] ?? 0) + 1;
        if (ok(res.status)) {
          good += 1;
          latencies.push(performance.now() - started);
        } else firstError ??= `HTTP ${res.status}: ${res.text.slice(0, 300)}`;
      } catch (e) {
        if (recording) errors += 1;
        firstError ??= /** @type {Error} */ (e).message;
      }
    }
  };
  if (warmupMs > 0) {
    stopAt = now() + warmupMs;
    await Promise.all(Array.from({ length: concurrency }, client));
  }
  recording = true;
  const t0 = now();
  stopAt = t0 + durationMs;
  await Promise.all(Array.from({ length: concurrency }, client));
  const elapsed = now() - t0;
  agent.destroy();
  return { ...summarize(latencies), ok: good, rps: good / (elapsed / 1000), elapsedMs: elapsed, statuses, errors, firstError, sent: i };
}

/**
 * Offered load: request i is due at start + i/rate. At most `maxInFlight`
 * requests are open; a due request beyond that waits, and its wait counts
 * in its latency. `run(i)` performs request i and resolves true on success.
 * @param {{ rate: number, durationMs: number, maxInFlight?: number, run: (i: number) => Promise<boolean> }} options
 */
export async function openLoop({ rate, durationMs, maxInFlight = 256, run }) {
  const total = Math.round((rate * durationMs) / 1000);
  /** @type {number[]} */
  const latencies = [];
  let inFlight = 0;
  let next = 0;
  let good = 0;
  let errors = 0;
  /** @type {string | undefined} */
  let firstError;
  const start = now() + 5;
  /** @type {Set<Promise<void>>} */
  const pending = new Set();
  /** @param {number} n */
  const launch = (n) => {
    const due = start + (n * 1000) / rate;
    inFlight += 1;
    const p = (async () => {
      try {
        if (await run(n)) {
          good += 1;
          latencies.push(now() - due);
        } else errors += 1;
      } catch (e) {
        errors += 1;
        firstError ??= /** @type {Error} */ (e).message;
      } finally {
        inFlight -= 1;
      }
    })();
    pending.add(p);
    p.finally(() => pending.delete(p));
  };
  while (next < total) {
    const t = now();
    while (next < total && inFlight < maxInFlight && start + (next * 1000) / rate <= t) launch(next++);
    await sleep(1);
  }
  const issuedBy = now();
  await Promise.race([Promise.all([...pending]), sleep(30_000)]);
  const elapsed = Math.max(issuedBy, now()) - start;
  return { ...summarize(latencies), ok: good, errors, firstError, offered: rate, achieved: good / (elapsed / 1000), unfinished: pending.size };
}

/** An http.Agent for callers that use send() directly (open-loop runs). */
export { newAgent };
