// The token endpoint under a flood of bad client secrets (issue 12, item 20):
// the latency of good token requests from one source while other sources
// send wrong secrets. Not part of `npm test` (timed); run by hand:
//
//   node bench/token-flood.mjs [--duration 15] [--good-rate 10] [--flood-rate 200] [--no-build]
//
// Starts PostgreSQL and Redis (embedded, or DATABASE_URL / REDIS_URL), seeds
// the demo, starts hub-api from dist/ and runs four phases of --duration
// seconds each. Good requests come from 127.0.0.1 as demo-mila (HTTP Basic,
// as Swagger UI sends them) at --good-rate per second (open loop: latency
// counts from the scheduled start). The flood sends wrong secrets at
// --flood-rate per second (open loop, at most 256 in flight; what cannot be
// sent then is counted as skipped), from 127.0.0.2 (one source) or from 64
// loopback addresses (many sources; Linux routes all of 127/8 to lo).
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { build } from '../scripts/build.mjs';
import { findFreePort, onExit, runExitHandlers } from '../scripts/lib/infra.mjs';
import { now, summarize } from './load.mjs';
import { ROOT, runCli, startProcess, startServers } from './stack.mjs';

const { values: cli } = parseArgs({
  options: {
    duration: { type: 'string', default: '15' },
    'good-rate': { type: 'string', default: '10' },
    'flood-rate': { type: 'string', default: '200' },
    'no-build': { type: 'boolean', default: false },
  },
});
const durationMs = Number(cli.duration) * 1000;
const goodRate = Number(cli['good-rate']);
const floodRate = Number(cli['flood-rate']);
const FLOOD_IN_FLIGHT = 256;
/** @param {string} line */
const say = (line) => console.log(`[token-flood] ${line}`);

const logsDir = join(ROOT, 'bench/results/logs-token-flood');
rmSync(logsDir, { recursive: true, force: true });
mkdirSync(logsDir, { recursive: true });
const workDir = mkdtempSync(join(tmpdir(), 'drehscheibe-token-flood-'));
onExit(() => rmSync(workDir, { recursive: true, force: true }));

try {
  if (!cli['no-build']) say(`built ${await build()} files into dist/`);
  const servers = await startServers({ workDir, logsDir });
  const key = () => 'whsk_' + randomBytes(32).toString('base64');
  const port = await findFreePort();
  const hubUrl = `http://127.0.0.1:${port}`;
  const env = {
    NODE_ENV: 'production',
    DATABASE_URL: servers.hubDbUrl,
    REDIS_URL: servers.redisUrl,
    QUEUE_PREFIX: servers.queuePrefix,
    PORT: String(port),
    HUB_TOKEN_SIGNING_KEY: key(),
    HUB_WEBHOOK_SIGNING_KEY: key(),
    HUB_DATA_KEY: randomBytes(32).toString('base64'),
    ALLOW_PRIVATE_ENDPOINTS: 'true',
    LOG_LEVEL: 'warn',
  };
  const credentialsFile = join(workDir, 'demo-credentials.json');
  await runCli(['migrate'], env);
  await runCli(['seed-demo', '--credentials', credentialsFile, '--simulator-url', 'http://127.0.0.1:9'], env);
  const credentials = JSON.parse(readFileSync(credentialsFile, 'utf8'));
  await startProcess('hub-api', join(ROOT, 'dist/apps/hub-api/src/main.js'), {
    env,
    logsDir,
    ready: async () => (await fetch(`${hubUrl}/health/ready`)).ok,
  });

  /** @type {Map<string, http.Agent>} */
  const agents = new Map();
  /** @param {string} localAddress */
  const agentFor = (localAddress) => {
    if (!agents.has(localAddress)) agents.set(localAddress, new http.Agent({ keepAlive: true, maxSockets: 64 }));
    return agents.get(localAddress);
  };
  /**
   * @param {string} localAddress
   * @param {string} clientId
   * @param {string} secret
   * @returns {Promise<number | undefined>} the HTTP status
   */
  const tokenRequest = (localAddress, clientId, secret) =>
    new Promise((resolve, reject) => {
      const body = 'grant_type=client_credentials&scope=tickets';
      const req = http.request(
        {
          host: '127.0.0.1',
          port,
          localAddress,
          agent: agentFor(localAddress),
          method: 'POST',
          path: '/v1/oauth/token',
          timeout: 30_000,
          headers: {
            authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`,
            'content-type': 'application/x-www-form-urlencoded',
            'content-length': Buffer.byteLength(body),
          },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode));
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', reject);
      req.end(body);
    });

  const mila = credentials['demo-mila'];
  /** @param {number} n */
  const sources = (n) => Array.from({ length: n }, (_, i) => `127.0.0.${10 + i}`);

  /**
   * @param {string} name
   * @param {{ clientId: string, sources: string[] } | null} flood
   */
  async function phase(name, flood) {
    let stop = false;
    /** @type {Record<string, number>} */
    const floodStatuses = {};
    let floodSent = 0;
    let skipped = 0;
    /** @param {{ clientId: string, sources: string[] }} flood */
    const floodLoop = async (flood) => {
      let inFlight = 0;
      /** @type {Set<Promise<void>>} */
      const pending = new Set();
      const t0 = now();
      for (let i = 0; !stop; i++) {
        const wait = t0 + (i * 1000) / floodRate - now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        if (inFlight >= FLOOD_IN_FLIGHT) {
          skipped += 1;
          continue;
        }
        inFlight += 1;
        floodSent += 1;
        const source = flood.sources[i % flood.sources.length];
        const p = tokenRequest(source, flood.clientId, randomBytes(32).toString('base64url'))
          .catch(() => 'error')
          .then((status) => {
            floodStatuses[String(status)] = (floodStatuses[String(status)] ?? 0) + 1;
            inFlight -= 1;
            pending.delete(p);
          });
        pending.add(p);
      }
      await Promise.all([...pending]);
    };
    const floodDone = flood ? floodLoop(flood) : Promise.resolve();
    // Let the flood reach its steady state (and the limits kick in) before measuring.
    if (flood) await new Promise((r) => setTimeout(r, 3000));
    /** @type {Record<string, number>} */
    const goodStatuses = {};
    /** @type {number[]} */
    const latencies = [];
    const total = Math.round((goodRate * durationMs) / 1000);
    const t0 = now() + 5;
    const good = [];
    for (let i = 0; i < total; i++) {
      const due = t0 + (i * 1000) / goodRate;
      const wait = due - now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      good.push(
        tokenRequest('127.0.0.1', mila.clientId, mila.clientSecret)
          .catch(() => 'error')
          .then((status) => {
            goodStatuses[String(status)] = (goodStatuses[String(status)] ?? 0) + 1;
            if (status === 200) latencies.push(now() - due);
          }),
      );
    }
    await Promise.all(good);
    const elapsed = (now() - t0) / 1000;
    stop = true;
    await floodDone;
    const s = summarize(latencies);
    const p95 = [...latencies].sort((a, b) => a - b)[Math.max(0, Math.ceil(0.95 * latencies.length) - 1)];
    /** @param {number} v */
    const fmt = (v) => (Number.isFinite(v) ? v.toFixed(1) : '-');
    say(
      `${name.padEnd(40)} good: n ${s.n} p50 ${fmt(s.p50)} p95 ${fmt(p95)} p99 ${fmt(s.p99)} max ${fmt(s.max)} ms ${JSON.stringify(goodStatuses)}` +
        ` | flood: ${flood ? `${(floodSent / (elapsed + 3)).toFixed(0)} req/s sent, ${skipped} skipped, ${JSON.stringify(floodStatuses)}` : '-'}`,
    );
  }

  await phase('quiet', null);
  await phase('flood, 1 source, known client id', { clientId: 'demo-bela', sources: ['127.0.0.2'] });
  await phase('flood, 64 sources, known client id', { clientId: 'demo-bela', sources: sources(64) });
  await phase("flood, 64 sources, the good client's id", { clientId: mila.clientId, sources: sources(64) });
  await phase('flood, 1 source, unknown client ids', { clientId: `ghost-${randomBytes(4).toString('hex')}`, sources: ['127.0.0.3'] });
  await phase('quiet again', null);
  for (const agent of agents.values()) agent.destroy();
} finally {
  await runExitHandlers();
}
