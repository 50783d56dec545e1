import { createHash, randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import type { components } from '@drehscheibe/client';
import { FieldCipher } from '@drehscheibe/security';
import { startInProcessHub, type InProcessHub } from '../support/in-process-hub.js';
import { startInProcessWorker } from '../support/in-process-worker.js';
import { eventually } from '../support/stack.js';

/**
 * Idempotency keys (issue 12, items 1 and 5): stored answers hold no personal
 * data in the clear, keys expire, and a key whose request never finished
 * (the API crashed) is usable again after its lease — answering from the
 * ticket change that request committed, if any, instead of applying it twice.
 */
const dataKey = randomBytes(32).toString('base64');
const LEASE_SECONDS = 1;
let hub: InProcessHub;
beforeAll(async () => {
  hub = await startInProcessHub(undefined, { HUB_DATA_KEY: dataKey, IDEMPOTENCY_LEASE_SECONDS: String(LEASE_SECONDS) });
});
afterAll(() => hub?.close());

let counter = 0;
const ticketBody = (overrides: Partial<components['schemas']['TicketCreate']> = {}) => ({
  externalId: `IK-${Date.now()}-${++counter}`,
  type: 'incident' as const,
  subject: 'Antrag lässt sich nicht absenden',
  serviceId: 'svc-demo-wohngeld',
  impact: 2 as const,
  urgency: 2 as const,
  channel: 'phone_115' as const,
  ...overrides,
});
const create = (body: ReturnType<typeof ticketBody>, key?: string) =>
  hub.api.call('POST', '/v1/tickets', { as: 'demo-mila', body, headers: key ? { 'idempotency-key': key } : {} });
const comment = (ticketId: string, text: string, key: string, visibility: 'public' | 'internal' = 'public') =>
  hub.api.call('POST', '/v1/tickets/{ticketId}/comments', {
    as: 'demo-bela',
    params: { ticketId },
    body: { text, visibility },
    headers: { 'idempotency-key': key },
  });
const clientOf = (as: string) => hub.credentials[as].clientId;
const rowText = async (key: string) =>
  (await hub.db.query<{ row: string }>('SELECT k::text AS row FROM idempotency_keys k WHERE key = $1', [key])).map((r) => r.row).join('\n');
const count = async (sql: string, params: unknown[]) => (await hub.db.query<{ n: number }>(sql, params))[0].n;

/** The state a request leaves when the API dies after its claim (and maybe its commit) but before it stored its answer. */
const crashAfterClaim = (key: string, leaseEndsIn = '-1 second') =>
  hub.db.query(
    `UPDATE idempotency_keys SET status_code = NULL, response_enc = NULL, locked_until = now() + $2::interval
      WHERE key = $1`,
    [key, leaseEndsIn],
  );

describe('stored answers and expiry (item 1)', () => {
  it('keeps the requester out of idempotency_keys in the clear, and still replays it to the caller', async () => {
    const requester = { name: 'Erika Mustermann', email: 'erika.mustermann@example.org', phone: '+49 30 1234567', consent: true };
    const body = ticketBody({ requester });
    const key = `pii-${randomUUID()}`;
    const first = await create(body, key);
    expect(first.status).toBe(201);
    expect(first.data.requester).toEqual(requester);

    const stored = await rowText(key);
    expect(stored).not.toBe('');
    for (const value of ['Erika', 'Mustermann', 'erika.mustermann', 'example.org', '1234567']) expect(stored).not.toContain(value);
    // Nor a plain hash of the body that a guess could be tested against (as the request digest was, and the receipt has one).
    const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
    expect(stored).not.toContain(sha256(`POST /v1/tickets\n${JSON.stringify(body)}`));
    expect(stored).not.toContain(first.headers.get('drehscheibe-receipt')!.split('.')[1]);
    expect(stored).not.toContain(sha256(JSON.stringify(body)));

    const replay = await create(body, key);
    expect(replay.status).toBe(201);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body).toEqual(first.body);
    expect(replay.data.requester).toEqual(requester);
  });

  it('treats a key older than its time-to-live as new, and the worker deletes expired keys', async () => {
    const key = `old-${randomUUID()}`;
    const first = await create(ticketBody(), key);
    expect(first.status).toBe(201);
    await hub.db.query(`UPDATE idempotency_keys SET created_at = now() - interval '24 hours 1 minute' WHERE key = $1`, [key]);

    // Another body under the same key: a new request now, not `idempotency-key-reused`.
    const again = await create(ticketBody(), key);
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBeNull();
    expect(again.data.id).not.toBe(first.data.id);

    const fresh = `fresh-${randomUUID()}`;
    expect((await create(ticketBody(), fresh)).status).toBe(201);
    await hub.db.query(`UPDATE idempotency_keys SET created_at = now() - interval '24 hours 1 minute' WHERE key = $1`, [key]);
    const worker = await startInProcessWorker(hub.db.url, { RECONCILE_INTERVAL_MS: '100' });
    try {
      await eventually(
        'the expired key to be deleted',
        async () => (await count('SELECT count(*)::int AS n FROM idempotency_keys WHERE key = $1', [key])) === 0,
      );
    } finally {
      await worker.stop();
    }
    expect(await count('SELECT count(*)::int AS n FROM idempotency_keys WHERE key = $1', [fresh])).toBe(1);
  });
});

describe('a key whose request did not finish (item 5)', () => {
  it('runs the request when the API died before committing anything', async () => {
    const body = ticketBody();
    const key = `crash-before-${randomUUID()}`;
    // The claim the request wrote before the API died: lease over, no outcome, no answer.
    await hub.db.query(
      `INSERT INTO idempotency_keys (client_id, key, method, path, request_hash, created_at, locked_until, lease_token)
       VALUES ($1, $2, 'POST', '/v1/tickets', $3, now() - interval '40 seconds', now() - interval '10 seconds', $4)`,
      [clientOf('demo-mila'), key, new FieldCipher(dataKey).digest('POST /v1/tickets\n', JSON.stringify(body)), randomUUID()],
    );
    const retry = await create(body, key);
    expect(retry.status).toBe(201);
    expect(await count('SELECT count(*)::int AS n FROM tickets WHERE origin_external_id = $1', [body.externalId])).toBe(1);
    const replay = await create(body, key);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.data.id).toBe(retry.data.id);
  });

  it('answers from the ticket the request created when the API died after the commit, creating nothing twice', async () => {
    const body = ticketBody({ requester: { name: 'Max Muster' } });
    const key = `crash-after-${randomUUID()}`;
    const first = await create(body, key);
    expect(first.status).toBe(201);
    await crashAfterClaim(key, '20 seconds');

    // While the lease runs the key is still in use, with a hint when to come back.
    const early = await create(body, key);
    expect(early.status).toBe(409);
    expect(early.body.type).toBe('urn:drehscheibe:problem:idempotency-key-in-use');
    expect(Number(early.headers.get('retry-after'))).toBeGreaterThanOrEqual(15);

    await crashAfterClaim(key);
    const retry = await create(body, key);
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.body).toEqual(first.body);
    expect(retry.headers.get('location')).toBe(`/v1/tickets/${first.data.id}`);
    expect(retry.headers.get('etag')).toBe('"1"');
    expect(retry.headers.get('drehscheibe-receipt')).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(await count('SELECT count(*)::int AS n FROM tickets WHERE origin_external_id = $1', [body.externalId])).toBe(1);
    expect(await count('SELECT count(*)::int AS n FROM ticket_events WHERE ticket_id = $1', [first.data.id])).toBe(1);
    // The rebuilt answer is stored like any other: encrypted, and replayed from now on.
    expect(await rowText(key)).not.toContain('Max Muster');
    expect((await create(body, key)).body).toEqual(first.body);
  });

  it('answers a retried change from the ticket as it is now, applying it once', async () => {
    const ticket = (await create(ticketBody())).data;
    const key = `comment-${randomUUID()}`;
    const first = await comment(ticket.id, 'Wir prüfen das.', key);
    expect(first.status).toBe(200);
    const internalKey = `note-${randomUUID()}`;
    expect((await comment(ticket.id, 'Nur für uns', internalKey, 'internal')).status).toBe(200);
    await crashAfterClaim(key);
    await crashAfterClaim(internalKey);
    // Meanwhile the ticket moved on.
    await hub.api.call('POST', '/v1/tickets/{ticketId}/status', { as: 'demo-bela', params: { ticketId: ticket.id }, body: { status: 'in_progress' } });

    const retry = await comment(ticket.id, 'Wir prüfen das.', key);
    expect(retry.status).toBe(200);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.body).toMatchObject({ id: ticket.id, version: 3, status: 'in_progress' });
    expect(retry.headers.get('etag')).toBe('"3"');
    expect((await comment(ticket.id, 'Nur für uns', internalKey, 'internal')).status).toBe(200);
    expect(await count('SELECT count(*)::int AS n FROM ticket_comments WHERE ticket_id = $1', [ticket.id])).toBe(2);
    expect(await count('SELECT count(*)::int AS n FROM ticket_events WHERE ticket_id = $1', [ticket.id])).toBe(3);
  });

  it('answers a retried upload with the file it stored, once', async () => {
    const ticket = (await create(ticketBody())).data;
    const key = `upload-${randomUUID()}`;
    const upload = () =>
      hub.api.call('POST', '/v1/tickets/{ticketId}/attachments?filename=Nachweis.txt' as '/v1/tickets/{ticketId}/attachments', {
        as: 'demo-mila',
        params: { ticketId: ticket.id },
        rawBody: 'Bescheid vom 1. Dezember',
        headers: { 'content-type': 'text/plain', 'idempotency-key': key },
      });
    const first = await upload();
    expect(first.status).toBe(201);
    await crashAfterClaim(key);
    const retry = await upload();
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.headers.get('location')).toBe(first.headers.get('location'));
    expect(retry.data.attachments).toEqual(first.data.attachments);
    expect(await count('SELECT count(*)::int AS n FROM ticket_attachments WHERE ticket_id = $1', [ticket.id])).toBe(1);
  });

  it('applies a change once when a retry takes over from a request that is only slow', async () => {
    const ticket = (await create(ticketBody())).data;
    const key = `slow-${randomUUID()}`;
    const text = `Langsam ${randomUUID()}`;
    const locker = new pg.Client({ connectionString: hub.db.url, application_name: 'drehscheibe-test-locker' });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('SELECT 1 FROM tickets WHERE id = $1 FOR UPDATE', [ticket.id]);
      const waiters = () => count(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`, []);
      const slow = comment(ticket.id, text, key);
      await eventually('the first request to wait for the ticket past its lease', async () => {
        const [row] = await hub.db.query<{ expired: boolean }>('SELECT locked_until < now() AS expired FROM idempotency_keys WHERE key = $1', [key]);
        return row?.expired && (await waiters()) === 1;
      });
      const retry = comment(ticket.id, text, key);
      await eventually('the retry to take the key over and wait for the ticket too', async () => (await waiters()) === 2);
      await locker.query('COMMIT');
      const [a, b] = await Promise.all([slow, retry]);
      expect([a.status, b.status]).toEqual([200, 200]);
      expect(a.data.version).toBe(2);
      expect(b.data.version).toBe(2);
    } finally {
      await locker.end();
    }
    expect(await count('SELECT count(*)::int AS n FROM ticket_comments WHERE text = $1', [text])).toBe(1);
    expect(await count('SELECT count(*)::int AS n FROM ticket_events WHERE ticket_id = $1', [ticket.id])).toBe(2);
  });
});
