// Baseline 3: the raw BullMQ delivery loop. Jobs carry the delivered JSON and
// the receiver URL; this worker signs each per Standard Webhooks (Ed25519,
// `v1a`, over `<id>.<timestamp>.<body>`, with node:crypto) and POSTs it with
// fetch — the hub's transport, without its PostgreSQL bookkeeping (delivery
// row, ordering check, circuit, attempt record). Same concurrency as the hub
// worker. Run as a child process: REDIS_URL, QUEUE_PREFIX, CONCURRENCY.
import { generateKeyPairSync, sign } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';

export const RAW_QUEUE = 'raw-deliveries';
const { privateKey } = generateKeyPairSync('ed25519');

/** @param {import('bullmq').Job<{ url: string, body: string }>} job */
async function deliver(job) {
  const { url, body } = job.data;
  const id = /** @type {string} */ (job.id);
  const timestamp = String(Math.floor(Date.now() / 1000));
  const signature = sign(null, Buffer.concat([Buffer.from(`${id}.${timestamp}.`), Buffer.from(body, 'utf8')]), privateKey).toString('base64');
  const response = await fetch(url, {
    method: 'POST',
    body,
    headers: {
      'webhook-id': id,
      'webhook-timestamp': timestamp,
      'webhook-signature': `v1a,${signature}`,
      'content-type': 'application/json',
      'user-agent': 'bench-raw-bullmq/1',
    },
    redirect: 'manual',
    signal: AbortSignal.timeout(10_000),
  });
  await response.text();
  if (response.status < 200 || response.status >= 300) throw new Error(`HTTP ${response.status}`);
}

// Started as a process (the benchmark only imports RAW_QUEUE from here).
if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const worker = new Worker(RAW_QUEUE, deliver, {
    connection: new Redis(/** @type {string} */ (process.env.REDIS_URL), { maxRetriesPerRequest: null }),
    prefix: `{${process.env.QUEUE_PREFIX}}`,
    concurrency: Number(process.env.CONCURRENCY ?? 32),
  });
  worker.on('error', (e) => console.error(`worker error: ${e.message}`));
  await worker.waitUntilReady();
  console.log('ready');
  process.on('SIGTERM', () => worker.close().finally(() => process.exit(0)));
}
