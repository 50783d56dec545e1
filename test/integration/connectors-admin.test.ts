import { randomBytes } from 'node:crypto';
import { ConnectorConfigs } from '@drehscheibe/connectors';
import { createDataSource } from '@drehscheibe/persistence';
import { FieldCipher } from '@drehscheibe/security';
import type { DataSource } from 'typeorm';
import type { ApiClient } from '../support/api-client.js';
import { startInProcessHub, type InProcessHub } from '../support/in-process-hub.js';

// Connectors through the admin API: configuration, secrets, refusals, the
// state operators see, and the metrics read from it; against the database
// the API writes (rows read back directly, state rows written as the runtime would).

const dataKey = randomBytes(32).toString('base64');
const METRICS_TOKEN = randomBytes(24).toString('base64url');
let hub: InProcessHub;
let dataSource: DataSource;
let configs: ConnectorConfigs;
beforeAll(async () => {
  hub = await startInProcessHub(undefined, { HUB_DATA_KEY: dataKey, METRICS_TOKEN });
  dataSource = await createDataSource({ url: hub.db.url, poolSize: 2 }).initialize();
  configs = new ConnectorConfigs(dataSource, new FieldCipher(dataKey));
});
afterAll(async () => {
  await dataSource?.destroy();
  await hub?.close();
});

const admin: ApiClient['admin'] = (method, path, body, params) => hub.api.admin(method, path, body, params);
const PATH = '/v1/participants/{participantId}/connector';

let seq = 0;
async function newParticipant(deliveryUrl?: string): Promise<string> {
  const id = `de-be-con-${Date.now().toString(36)}-${++seq}`;
  const r = await admin('POST', '/v1/participants', {
    id,
    name: 'Connector Berlin',
    kind: 'land_ticket_system',
    level: 'state',
    land: 'DE-BE',
    ...(deliveryUrl ? { deliveryUrl } : {}),
  });
  expect(r.status).toBe(201);
  return id;
}

/** A secret that must never come back: unique per call, so a hit cannot be a coincidence. */
const secret = (label: string) => `${label}-${randomBytes(12).toString('hex')}`;

function rtInput(token: string) {
  return {
    kind: 'rt5' as const,
    baseUrl: 'https://rt.berlin.example/REST/2.0/',
    auth: { kind: 'api-key' as const, header: 'Authorization', prefix: 'token ', value: token },
    settings: { queue: 'Drehscheibe', systemUser: 'drehscheibe', automaticUsers: ['RT_System'] },
  };
}

interface ConnectorRow {
  kind: string;
  base_url: string;
  auth: string;
  settings: string;
  enabled: boolean;
  updated_at: Date;
  updated_by: string;
}

async function row(participantId: string): Promise<ConnectorRow | undefined> {
  const [r] = await dataSource.query<ConnectorRow[]>(
    'SELECT kind, base_url, auth::text AS auth, settings::text AS settings, enabled, updated_at, updated_by FROM connectors WHERE participant_id = $1',
    [participantId],
  );
  return r;
}

async function writeState(participantId: string, values: Record<string, unknown>): Promise<void> {
  const columns = Object.keys(values);
  await dataSource.query(
    `INSERT INTO connector_states (participant_id, ${columns.join(', ')}) VALUES ($1, ${columns.map((_, i) => `$${i + 2}`).join(', ')})
     ON CONFLICT (participant_id) DO UPDATE SET ${columns.map((c) => `${c} = excluded.${c}`).join(', ')}`,
    [participantId, ...Object.values(values).map((v) => (v !== null && typeof v === 'object' && !(v instanceof Date) ? JSON.stringify(v) : v))],
  );
}

describe('configuring a connector', () => {
  it('creates, reads, lists, replaces (keeping the secret) and deletes; no answer and no row carries the secret', async () => {
    const participantId = await newParticipant();
    const token = secret('rt-token');
    const answers: unknown[] = [];

    const created = await admin('PUT', PATH, rtInput(token), { participantId });
    answers.push(created.body);
    expect(created.status).toBe(201);
    expect(created.data).toMatchObject({
      participantId,
      kind: 'rt5',
      baseUrl: 'https://rt.berlin.example/REST/2.0',
      auth: { kind: 'api-key', header: 'Authorization', prefix: 'token ', secretSet: true },
      settings: { pollIntervalMs: 2000, settleMs: 1500, queue: 'Drehscheibe', systemUser: 'drehscheibe', automaticUsers: ['RT_System'] },
      enabled: true,
      updatedBy: 'hub-admin',
      state: { health: 'idle', lease: null, lastPollAt: null, consecutiveFailures: 0, changesApplied: 0, pendingWrite: false, watermark: null },
    });
    expect(created.data.auth).not.toHaveProperty('value');

    // In the row the secret is ciphertext that decrypts to it.
    const stored = await row(participantId);
    expect(stored?.auth).not.toContain(token);
    const auth = JSON.parse(stored!.auth) as { secretEnc: string };
    expect(new FieldCipher(dataKey).decrypt<string>(auth.secretEnc)).toBe(token);

    const read = await admin('GET', PATH, undefined, { participantId });
    answers.push(read.body);
    expect(read.data).toEqual(created.data);

    const list = await admin('GET', '/v1/connectors', undefined, undefined);
    answers.push(list.body);
    expect(list.data.items.find((c) => c.participantId === participantId)).toEqual(created.data);

    // A replace without the secret (same kind) keeps it; settings are merged over the defaults, not the old ones.
    const replaced = await admin(
      'PUT',
      PATH,
      {
        ...rtInput(token),
        auth: { kind: 'api-key', header: 'Authorization', prefix: 'token ' },
        settings: { systemUser: 'hub', pollIntervalMs: 500 },
        enabled: false,
      },
      { participantId },
    );
    answers.push(replaced.body);
    expect(replaced.status).toBe(200);
    expect(replaced.data.settings).toEqual({ pollIntervalMs: 500, settleMs: 1500, systemUser: 'hub' });
    expect(replaced.data.createdAt).toBe(created.data.createdAt);
    expect(replaced.data.state.health).toBe('disabled');
    expect(await configs.enabled()).not.toContainEqual(expect.objectContaining({ participantId }));

    // Enabled again: the runtime gets the kept secret, decrypted.
    await admin('PUT', PATH, { ...rtInput(token), auth: { kind: 'api-key', header: 'Authorization', prefix: 'token ' } }, { participantId });
    expect((await configs.enabled()).find((c) => c.participantId === participantId)).toEqual({
      participantId,
      kind: 'rt5',
      baseUrl: 'https://rt.berlin.example/REST/2.0',
      auth: { kind: 'api-key', header: 'Authorization', prefix: 'token ', value: token },
      settings: { pollIntervalMs: 2000, settleMs: 1500, queue: 'Drehscheibe', systemUser: 'drehscheibe', automaticUsers: ['RT_System'] },
      enabled: true,
      // When it was first configured (a replacement keeps it): the runtime writes no event from before it.
      configuredAt: created.data.createdAt,
    });

    // A new secret replaces it.
    const password = secret('basic-password');
    const basic = await admin(
      'PUT',
      PATH,
      { kind: 'rest', baseUrl: 'http://tickets.example:8080/api', auth: { kind: 'basic', username: 'hub', password } },
      { participantId },
    );
    answers.push(basic.body);
    expect(basic.data.auth).toEqual({ kind: 'basic', username: 'hub', secretSet: true });
    expect((await row(participantId))?.auth).not.toContain(password);
    expect((await configs.enabled()).find((c) => c.participantId === participantId)?.auth).toEqual({ kind: 'basic', username: 'hub', password });

    for (const answer of answers) {
      expect(JSON.stringify(answer)).not.toContain(token);
      expect(JSON.stringify(answer)).not.toContain(password);
    }

    await writeState(participantId, { writes: 1 });
    const removed = await admin('DELETE', PATH, undefined, { participantId });
    expect(removed.status).toBe(204);
    expect(await row(participantId)).toBeUndefined();
    expect(await dataSource.query('SELECT 1 FROM connector_states WHERE participant_id = $1', [participantId])).toEqual([]);
    const gone = await admin('GET', PATH, undefined, { participantId });
    expect(gone.status).toBe(404);
    expect(gone.problem.detail).toContain('has no connector');
    expect((await admin('DELETE', PATH, undefined, { participantId })).status).toBe(404);
  });

  it('answers bearer tokens as secretSet only', async () => {
    const participantId = await newParticipant();
    const token = secret('bearer');
    const r = await admin(
      'PUT',
      PATH,
      { kind: 'rest', baseUrl: 'https://x.example', auth: { kind: 'bearer', token }, settings: { settleMs: 0 } },
      { participantId },
    );
    expect(r.status).toBe(201);
    expect(r.data.auth).toEqual({ kind: 'bearer', secretSet: true });
    expect(r.data.settings).toEqual({ pollIntervalMs: 2000, settleMs: 0 });
    expect(JSON.stringify(r.body)).not.toContain(token);
  });
});

describe('refusals change nothing', () => {
  const token = secret('kept');
  let participantId: string;
  let before: ConnectorRow | undefined;
  beforeAll(async () => {
    participantId = await newParticipant();
    expect((await admin('PUT', PATH, rtInput(token), { participantId })).status).toBe(201);
    before = await row(participantId);
  });

  const good = rtInput('new-secret-that-must-not-be-stored');
  const cases: Array<[string, unknown, number, string, string?]> = [
    ['a base URL that is not one', { ...good, baseUrl: 'rt.example/REST/2.0' }, 422, 'invalid-connector', '/body/baseUrl'],
    ['an ftp base URL', { ...good, baseUrl: 'ftp://rt.example/' }, 422, 'invalid-connector', '/body/baseUrl'],
    ['credentials in the base URL', { ...good, baseUrl: 'https://hub:pw@rt.example/REST/2.0' }, 422, 'invalid-connector', '/body/baseUrl'],
    ['a query in the base URL', { ...good, baseUrl: 'https://rt.example/REST/2.0?user=x' }, 422, 'invalid-connector', '/body/baseUrl'],
    ['a fragment in the base URL', { ...good, baseUrl: 'https://rt.example/REST/2.0#top' }, 422, 'invalid-connector', '/body/baseUrl'],
    ['rt5 without systemUser', { ...good, settings: { queue: 'Drehscheibe' } }, 422, 'invalid-connector', '/body/settings/systemUser'],
    ['another auth kind without its secret', { ...good, auth: { kind: 'bearer' } }, 422, 'invalid-connector', '/body/auth/token'],
    ['pollIntervalMs below 200', { ...good, settings: { ...good.settings, pollIntervalMs: 199 } }, 400, 'validation-failed'],
    ['pollIntervalMs above an hour', { ...good, settings: { ...good.settings, pollIntervalMs: 3_600_001 } }, 400, 'validation-failed'],
    ['a negative settleMs', { ...good, settings: { ...good.settings, settleMs: -1 } }, 400, 'validation-failed'],
    ['settleMs above ten minutes', { ...good, settings: { ...good.settings, settleMs: 600_001 } }, 400, 'validation-failed'],
    ['an unknown kind', { ...good, kind: 'jira' }, 400, 'validation-failed'],
    ['an unknown auth kind', { ...good, auth: { kind: 'oauth2', value: 'x' } }, 400, 'validation-failed'],
    ['an api-key without a header', { ...good, auth: { kind: 'api-key', value: 'x' } }, 400, 'validation-failed'],
    ['a header name with a space', { ...good, auth: { kind: 'api-key', header: 'X Api Key', value: 'x' } }, 400, 'validation-failed'],
    ['an unknown member', { ...good, retries: 3 }, 400, 'validation-failed'],
    ['no baseUrl', { kind: 'rest', auth: { kind: 'bearer', token: 'x' } }, 400, 'validation-failed'],
  ];

  // As objects: a row shorter than the callback's parameters would make jest pass `done`.
  it.each(cases.map(([name, body, status, type, pointer]) => ({ name, body, status, type, pointer })))('$name', async ({ body, status, type, pointer }) => {
    const r = await hub.api.call('PUT', PATH, { as: 'hub-admin', params: { participantId }, untypedBody: body });
    expect(r.status).toBe(status);
    expect(r.headers.get('content-type')).toContain('application/problem+json');
    expect(r.problem.type).toBe(`urn:drehscheibe:problem:${type}`);
    if (pointer) expect(r.problem.errors?.map((e) => e.pointer)).toContain(pointer);
    expect(JSON.stringify(r.body)).not.toContain('new-secret-that-must-not-be-stored');
    expect(await row(participantId)).toEqual(before);
  });

  it('a new connector without a secret → 422 and no row', async () => {
    const fresh = await newParticipant();
    const r = await admin('PUT', PATH, { kind: 'rest', baseUrl: 'https://x.example', auth: { kind: 'bearer' } }, { participantId: fresh });
    expect(r.status).toBe(422);
    expect(r.problem.errors?.[0]).toEqual({ pointer: '/body/auth/token', message: 'is required for a new connector' });
    expect(await row(fresh)).toBeUndefined();
  });

  it('a participant with a webhook endpoint → 409 participant-has-endpoint and no row', async () => {
    const withEndpoint = await newParticipant('https://93.184.215.14/hook');
    const r = await admin('PUT', PATH, rtInput(secret('x')), { participantId: withEndpoint });
    expect(r.status).toBe(409);
    expect(r.problem.type).toBe('urn:drehscheibe:problem:participant-has-endpoint');
    expect(r.problem.detail).toContain('deliveryUrl');
    expect(await row(withEndpoint)).toBeUndefined();
  });

  it('a participant with a connector gets no webhook endpoint → 409 participant-has-connector, its delivery URL stays empty', async () => {
    const connected = await newParticipant();
    expect((await admin('PUT', PATH, rtInput(secret('x')), { participantId: connected })).status).toBe(201);
    const r = await admin('PATCH', '/v1/participants/{participantId}', { deliveryUrl: 'https://93.184.215.14/hook' }, { participantId: connected });
    expect(r.status).toBe(409);
    expect(r.problem.type).toBe('urn:drehscheibe:problem:participant-has-connector');
    expect(
      (await dataSource.query<Array<{ delivery_url: string | null }>>('SELECT delivery_url FROM participants WHERE id = $1', [connected]))[0].delivery_url,
    ).toBeNull();
    // Other changes of such a participant stay possible.
    expect((await admin('PATCH', '/v1/participants/{participantId}', { name: 'Renamed' }, { participantId: connected })).status).toBe(200);
  });

  it('an unknown participant → 404 on every operation', async () => {
    const params = { participantId: 'de-xx-nobody' };
    const answers = [
      await admin('PUT', PATH, rtInput(secret('x')), params),
      await admin('GET', PATH, undefined, params),
      await admin('DELETE', PATH, undefined, params),
    ];
    for (const r of answers) {
      expect(r.status).toBe(404);
      expect(r.problem.detail).toContain('is not registered');
    }
  });

  it('a participant client (no admin scope) → 403 on every operation, and nothing changed', async () => {
    const as = 'demo-mila';
    const answers = [
      await hub.api.call('PUT', PATH, { as, params: { participantId }, body: rtInput(secret('x')) }),
      await hub.api.call('GET', PATH, { as, params: { participantId } }),
      await hub.api.call('DELETE', PATH, { as, params: { participantId } }),
      await hub.api.call('GET', '/v1/connectors', { as }),
    ];
    for (const r of answers) {
      expect(r.status).toBe(403);
      expect(r.problem.type).toBe('urn:drehscheibe:problem:forbidden');
    }
    expect(await row(participantId)).toEqual(before);
  });
});

describe('state, health and metrics', () => {
  it('shows what the runtime recorded, with health, and the same in /metrics', async () => {
    const working = await newParticipant();
    const failing = await newParticipant();
    const stale = await newParticipant();
    const idle = await newParticipant();
    for (const participantId of [working, failing, stale, idle]) expect((await admin('PUT', PATH, rtInput(secret('s')), { participantId })).status).toBe(201);

    const now = Date.now();
    const leaseUntil = new Date(now + 15_000);
    await writeState(working, {
      lease_owner: 'connectors-1',
      lease_until: leaseUntil,
      watermark: { transactionId: 48211 },
      pending_write: {
        eventId: 'e',
        ticketId: 't',
        cursor: 'c',
        request: { name: 'reply', method: 'POST', path: '/x', headers: {}, body: {} },
        before: {},
        startedAt: new Date(now).toISOString(),
      },
      last_poll_at: new Date(now - 1000),
      last_success_at: new Date(now - 1000),
      lag_ms: 2310,
      changes_applied: 148,
      echoes_suppressed: 96,
      writes: 121,
    });
    const error = { at: new Date(now - 500).toISOString(), cause: 'system-unreachable', message: 'connect ECONNREFUSED 10.0.0.8:443' };
    await writeState(failing, { last_poll_at: new Date(now - 500), last_success_at: new Date(now - 4000), consecutive_failures: 3, last_error: error });
    // No failure counted, but no success for more than 5 poll intervals (2 s each): its runtime may be gone.
    await writeState(stale, { last_poll_at: new Date(now - 11_000), last_success_at: new Date(now - 11_000) });

    const shown = await admin('GET', PATH, undefined, { participantId: working });
    expect(shown.data.state).toEqual({
      health: 'ok',
      lease: { owner: 'connectors-1', until: leaseUntil.toISOString() },
      lastPollAt: new Date(now - 1000).toISOString(),
      lastSuccessAt: new Date(now - 1000).toISOString(),
      lagMs: 2310,
      lastError: null,
      consecutiveFailures: 0,
      changesApplied: 148,
      echoesSuppressed: 96,
      writes: 121,
      pendingWrite: true,
      watermark: { transactionId: 48211 },
    });
    expect(JSON.stringify(shown.body)).not.toContain('reply'); // the pending write itself stays inside

    const list = await admin('GET', '/v1/connectors', undefined, undefined);
    const health = Object.fromEntries(list.data.items.map((c) => [c.participantId, c.state.health]));
    expect([health[working], health[failing], health[stale], health[idle]]).toEqual(['ok', 'failing', 'failing', 'idle']);
    expect(list.data.items.find((c) => c.participantId === failing)?.state).toMatchObject({ consecutiveFailures: 3, lastError: error });
    expect(list.data.items.map((c) => c.participantId)).toEqual([...list.data.items.map((c) => c.participantId)].sort());
    expect((await configs.state(stale)).health).toBe('failing');

    const scrape = await hub.api.call('GET', '/metrics', { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(scrape.status).toBe(200);
    const text = scrape.body as unknown as string;
    const value = (name: string, participantId: string, extra = '') => {
      const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(`participant="${participantId}"`) && l.includes(extra));
      return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
    };
    expect(value('drehscheibe_connector_up', working)).toBe(1);
    expect(value('drehscheibe_connector_up', failing)).toBe(0);
    expect(value('drehscheibe_connector_up', stale)).toBe(0);
    expect(value('drehscheibe_connector_health', failing, 'health="failing"')).toBe(1);
    expect(value('drehscheibe_connector_health', idle, 'health="idle"')).toBe(1);
    expect(value('drehscheibe_connector_consecutive_failures', failing)).toBe(3);
    expect(value('drehscheibe_connector_lag_seconds', working)).toBe(2.31);
    expect(value('drehscheibe_connector_changes_applied', working)).toBe(148);
    expect(value('drehscheibe_connector_echoes_suppressed', working)).toBe(96);
    expect(value('drehscheibe_connector_writes', working)).toBe(121);
    const age = value('drehscheibe_connector_last_success_age_seconds', stale);
    expect(age).toBeGreaterThanOrEqual(11);
    expect(age).toBeLessThan(60);
    expect(value('drehscheibe_connector_last_success_age_seconds', idle)).toBeUndefined();
  });
});
