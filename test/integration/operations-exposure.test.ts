import { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { testServers } from '../support/environment.js';
import { startInProcessHub, type InProcessHub } from '../support/in-process-hub.js';
import { freePort } from '../support/stack.js';

/**
 * What the API exposes besides the ticket protocol: /metrics needs a
 * credential on the public port (item 18), Bull Board is read-only by
 * default and loads nothing from other hosts (item 19).
 */

const METRICS_TOKEN = randomBytes(24).toString('base64url');
let hub: InProcessHub;
let queuePrefix: string;

beforeAll(async () => {
  queuePrefix = `exposure-${randomBytes(4).toString('hex')}`;
  hub = await startInProcessHub(undefined, { METRICS_TOKEN, API_METRICS_PORT: String(await freePort()), QUEUE_PREFIX: queuePrefix });
});
afterAll(() => hub?.close());

let n = 0;
const createTicket = async () =>
  (
    await hub.api.call('POST', '/v1/tickets', {
      as: 'demo-mila',
      body: { externalId: `EXP-${++n}`, type: 'question', subject: 'Exposure', serviceId: 'svc-demo-wohngeld', impact: 3, urgency: 3, channel: 'email' },
    })
  ).data.id;

describe('GET /metrics on the public port', () => {
  const scrape = (authorization?: string) => hub.api.call('GET', '/metrics', { headers: authorization ? { authorization } : {} });

  it('refuses callers without a credential, with a wrong one, and participants', async () => {
    const anonymous = await scrape();
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toContain('Bearer');
    expect(anonymous.problem.type).toBe('urn:drehscheibe:problem:unauthorized');
    // The last character changed, always to a different one (a random token may end in `x` itself).
    const lastChanged = METRICS_TOKEN.slice(0, -1) + (METRICS_TOKEN.endsWith('x') ? 'y' : 'x');
    expect((await scrape(`Bearer ${lastChanged}`)).status).toBe(401);
    expect((await scrape('Bearer not-the-token')).status).toBe(401);
    expect((await scrape(`Basic ${Buffer.from(`metrics:${METRICS_TOKEN}`).toString('base64')}`)).status).toBe(401);
    const participant = await scrape(`Bearer ${await hub.api.token('demo-mila')}`);
    expect(participant.status).toBe(403);
    expect(participant.problem.type).toBe('urn:drehscheibe:problem:forbidden');
  });

  it('serves the metrics to the static metrics token and to an admin token', async () => {
    await createTicket(); // a pending delivery: the metrics name its receiver
    for (const authorization of [`Bearer ${METRICS_TOKEN}`, `Bearer ${await hub.api.token('hub-admin')}`]) {
      const r = await scrape(authorization);
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toContain('text/plain');
      expect(r.body).toMatch(/drehscheibe_deliveries_open\{receiver="demo-bela",status="pending"[^}]*\} [1-9]/);
    }
  });

  it('is also served without credentials on the separate metrics port, and nothing else is', async () => {
    expect(hub.metricsUrl).toBeDefined();
    const r = await fetch(`${hub.metricsUrl}/metrics`);
    expect(r.status).toBe(200);
    expect(await r.text()).toContain('# TYPE drehscheibe_http_request_duration_seconds histogram');
    expect((await fetch(`${hub.metricsUrl}/v1/tickets`)).status).toBe(404);
    expect((await fetch(`${hub.metricsUrl}/health/ready`)).status).toBe(404);
  });
});

describe('queue board', () => {
  const basic = () => {
    const { clientId, clientSecret } = hub.credentials['hub-admin'];
    return `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`;
  };
  const board = (path: string, init: RequestInit = {}) =>
    fetch(`${hub.url}/admin/queues${path}`, { ...init, headers: { authorization: basic(), ...(init.headers as Record<string, string>) } });

  /** Everything the hub keeps in Redis under its queue prefix, byte for byte. */
  const redisSnapshot = async (): Promise<Record<string, string>> => {
    const redis = new Redis(testServers().redisUrl, { maxRetriesPerRequest: 1 });
    try {
      const keys = (await redis.keys(`{${queuePrefix}}:*`)).sort();
      const values = await Promise.all(keys.map(async (k) => (await redis.dumpBuffer(k))?.toString('base64') ?? ''));
      return Object.fromEntries(keys.map((k, i) => [k, values[i]]));
    } finally {
      redis.disconnect();
    }
  };

  /** Hosts the page or a stylesheet would load from: absolute or protocol-relative URLs in attributes, url() and @import. */
  const externalReferences = (text: string): string[] => [
    ...[...text.matchAll(/\b(?:href|src)\s*=\s*["']?((?:[a-z][a-z0-9+.-]*:)?\/\/[^"'\s>]+)/gi)].map((m) => m[1]),
    ...[...text.matchAll(/url\(\s*["']?((?:[a-z][a-z0-9+.-]*:)?\/\/[^"')\s]+)/gi)].map((m) => m[1]),
    ...[...text.matchAll(/@import\s+(?:url\()?\s*["']?((?:[a-z][a-z0-9+.-]*:)?\/\/[^"')\s;]+)/gi)].map((m) => m[1]),
  ];

  it('serves a page and stylesheets that reference no other host, under a same-origin content security policy', async () => {
    const page = await board('');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    const html = await page.text();
    expect(html).toContain('<html');
    expect(externalReferences(html)).toEqual([]);
    const stylesheets = [...html.matchAll(/<link\b[^>]*\bhref=["']([^"']+\.css)["']/gi)].map((m) => m[1]);
    expect(stylesheets.length).toBeGreaterThan(0);
    for (const href of stylesheets) {
      const css = await board(`/${href.replace(/^\//, '')}`);
      expect(`${href}: ${css.status}`).toBe(`${href}: 200`);
      expect(externalReferences(await css.text())).toEqual([]);
    }
  });

  it('refuses every changing call in read-only mode and leaves Redis untouched', async () => {
    const jobId = (await hub.db.query<{ id: string }>('SELECT id FROM deliveries WHERE ticket_id = $1', [await createTicket()]))[0].id;
    const before = await redisSnapshot();
    expect(Object.keys(before).some((k) => k.endsWith(`:${jobId}`))).toBe(true); // the job is there to be changed

    const changes: Array<[string, string]> = [
      ['PUT', '/api/queues/deliveries/retry/failed'],
      ['PUT', '/api/queues/deliveries/clean/completed'],
      ['PUT', '/api/queues/deliveries/promote'],
      ['PUT', '/api/queues/deliveries/empty'],
      ['PUT', '/api/queues/deliveries/pause'],
      ['PUT', '/api/queues/pause'],
      ['PUT', '/api/queues/deliveries/obliterate'],
      ['PUT', `/api/queues/deliveries/${jobId}/clean`],
      ['PUT', `/api/queues/deliveries/${jobId}/promote`],
      ['PUT', `/api/queues/deliveries/${jobId}/retry`],
      ['POST', '/api/queues/deliveries/add'],
    ];
    for (const [method, path] of changes) {
      const r = await board(path, { method, headers: { 'content-type': 'application/json' }, body: '{}' });
      expect(`${method} ${path}: ${r.status}`).toBe(`${method} ${path}: 403`);
      expect(r.headers.get('content-type')).toContain('application/problem+json');
    }
    expect(await redisSnapshot()).toEqual(before);
    // Reading still works.
    const queues = await board('/api/queues');
    expect(queues.status).toBe(200);
    expect(((await queues.json()) as { queues: Array<{ name: string; readOnlyMode: boolean }> }).queues[0]).toMatchObject({
      name: 'deliveries',
      readOnlyMode: true,
    });
  });
});

describe('queue board with QUEUE_BOARD_READ_ONLY=false', () => {
  let writable: InProcessHub;
  beforeAll(async () => {
    writable = await startInProcessHub(undefined, { QUEUE_BOARD_READ_ONLY: 'false' });
  });
  afterAll(() => writable?.close());

  it('lets an admin change the queue', async () => {
    const { clientId, clientSecret } = writable.credentials['hub-admin'];
    const r = await fetch(`${writable.url}/admin/queues/api/queues/deliveries/clean/completed`, {
      method: 'PUT',
      headers: { authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}` },
    });
    expect(r.status).toBe(200);
  });
});
