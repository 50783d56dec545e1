import { randomBytes } from 'node:crypto';
import { createHmac } from 'node:crypto';
import { CodelistRegistry, defaultCodelistDirectory } from '@drehscheibe/codelists';
import { loadOpenApiDocument } from '@drehscheibe/contracts';
import { BUILTIN_PROFILES, inboundSecretMatches, MappingEngine, MappingProfiles, type MappingProfileDocument } from '@drehscheibe/mapping';
import { createDataSource, poolOf } from '@drehscheibe/persistence';
import { FieldCipher } from '@drehscheibe/security';
import type { DataSource } from 'typeorm';
import type { ApiClient } from '../support/api-client.js';
import { startInProcessHub, type InProcessHub } from '../support/in-process-hub.js';

// Mapping profiles through the admin API: versions, activation, inbound secrets,
// the dry run; and the store's run-time cache as the inbound route and the
// outbox use it, against the same database.

const dataKey = randomBytes(32).toString('base64');
let hub: InProcessHub;
let dataSource: DataSource;
beforeAll(async () => {
  hub = await startInProcessHub(undefined, { HUB_DATA_KEY: dataKey });
  dataSource = await createDataSource({ url: hub.db.url, poolSize: 2 }).initialize();
});
afterAll(async () => {
  await dataSource?.destroy();
  await hub?.close();
});

const admin: ApiClient['admin'] = (method, path, body, params) => hub.api.admin(method, path, body, params);

let seq = 0;
async function newParticipant(): Promise<string> {
  const id = `de-hb-map-${Date.now().toString(36)}-${++seq}`;
  const r = await admin('POST', '/v1/participants', { id, name: 'Mapping Bremen', kind: 'land_ticket_system', level: 'state', land: 'DE-HB' });
  expect(r.status).toBe(201);
  return id;
}

/** A small system: numeric states, words for urgency, its own record numbers. */
const ticketly: MappingProfileDocument = {
  description: 'Ticketly',
  valueMaps: {
    status: { toCanonical: { '1': 'in_progress', '2': 'waiting', '3': 'resolved' } },
    urgency: { toCanonical: { high: '1', medium: '2', low: '3' }, defaultCanonical: '3' },
  },
  inbound: {
    rules: [
      {
        name: 'created',
        when: "event = 'created'",
        operation: 'createTicket',
        sourceRef: "'created-' & record.id",
        fields: {
          externalId: 'record.number',
          type: "'incident'",
          subject: 'record.title',
          serviceId: "'svc-demo-wohngeld'",
          impact: '2',
          urgency: "$toCanonical('urgency', record.urgency)",
          channel: "'web_form'",
        },
      },
      {
        name: 'updated',
        when: "event = 'updated'",
        operation: 'setTicketState',
        ticket: 'record.number',
        fields: { status: "$toCanonical('status', record.state)" },
      },
    ],
  },
  outbound: {
    requests: [
      {
        name: 'create',
        on: ['ticket.forwarded', 'ticket.status_changed'],
        method: 'POST',
        path: "'/records'",
        fields: { title: 'ticket.subject', state: "$toNative('status', ticket.status)" },
      },
    ],
    answer: { after: ['create'], fields: { status: "'acknowledged'", externalId: 'number' } },
  },
};

const created = { event: 'created', record: { id: 7, number: 'T-100', title: 'Login fails', urgency: 'high' } };

async function save(participantId: string, document: MappingProfileDocument = ticketly) {
  return admin('POST', '/v1/participants/{participantId}/mapping-profiles', document, { participantId });
}

describe('mapping profile versions', () => {
  it('saves valid documents as versions 1, 2, … with Location, and lists them without their documents', async () => {
    const participantId = await newParticipant();
    const first = await save(participantId);
    expect(first.status).toBe(201);
    expect(first.headers.get('location')).toBe(`/v1/participants/${participantId}/mapping-profiles/1`);
    expect(first.data).toMatchObject({ participantId, version: 1, active: false, createdBy: 'hub-admin', document: ticketly });
    const second = await save(participantId, { ...ticketly, description: 'Ticketly, second try' });
    expect(second.data.version).toBe(2);
    expect(second.data.id).not.toBe(first.data.id);

    const list = await admin('GET', '/v1/participants/{participantId}/mapping-profiles', undefined, { participantId });
    expect(list.data.items.map((v) => [v.version, v.description, v.active])).toEqual([
      [1, 'Ticketly', false],
      [2, 'Ticketly, second try', false],
    ]);
    expect(list.data.items[0]).not.toHaveProperty('document');
    const one = await admin('GET', '/v1/participants/{participantId}/mapping-profiles/{version}', undefined, { participantId, version: 2 });
    expect(one.data).toMatchObject({ id: second.data.id, version: 2, document: { description: 'Ticketly, second try' } });
  });

  it.each([
    [
      'broken JSONata',
      { inbound: { rules: [{ ...ticketly.inbound!.rules[0], fields: { ...ticketly.inbound!.rules[0].fields, subject: 'record.title &' } }] } },
      '/inbound/rules/0/fields/subject',
    ],
    [
      'an unknown target field',
      { inbound: { rules: [{ ...ticketly.inbound!.rules[1], fields: { status: "'waiting'", mood: "'fine'" } }] } },
      '/inbound/rules/0/fields/mood',
    ],
    ['a code not in the code list', { valueMaps: { status: { toCanonical: { '1': 'in-progress' } } } }, '/valueMaps/status/toCanonical/1'],
  ])('refuses %s with 422 invalid-profile and the exact pointer, storing nothing', async (_, document, pointer) => {
    const participantId = await newParticipant();
    const r = await save(participantId, document);
    expect(r.status).toBe(422);
    expect(r.headers.get('content-type')).toContain('application/problem+json');
    expect(r.problem).toMatchObject({ type: 'urn:drehscheibe:problem:invalid-profile', status: 422 });
    expect(r.problem.violations?.map((v) => v.pointer)).toEqual([pointer]);
    const list = await admin('GET', '/v1/participants/{participantId}/mapping-profiles', undefined, { participantId });
    expect(list.data.items).toEqual([]);
    const [{ n }] = await hub.db.query<{ n: string }>('SELECT count(*) AS n FROM mapping_profiles WHERE participant_id = $1', [participantId]);
    expect(Number(n)).toBe(0);
  });

  it('refuses a document that does not fit the schema with 400, storing nothing', async () => {
    const participantId = await newParticipant();
    const r = await hub.api.call('POST', '/v1/participants/{participantId}/mapping-profiles', {
      as: 'hub-admin',
      params: { participantId },
      untypedBody: { inbound: { rules: [{ name: 'x', operation: 'deleteTicket', fields: {} }] } },
    });
    expect(r.status).toBe(400);
    expect(r.problem.type).toBe('urn:drehscheibe:problem:validation-failed');
    expect(r.problem.errors?.map((e) => e.pointer)).toContain('/body/inbound/rules/0/operation');
    expect((await admin('GET', '/v1/participants/{participantId}/mapping-profiles', undefined, { participantId })).data.items).toEqual([]);
  });

  it('answers 404 for an unknown participant or version, and 403 to participants', async () => {
    const participantId = await newParticipant();
    await save(participantId);
    const unknown = { participantId: 'de-xx-nobody' };
    expect((await admin('GET', '/v1/participants/{participantId}/mapping-profiles', undefined, unknown)).status).toBe(404);
    expect((await save('de-xx-nobody')).status).toBe(404);
    expect((await admin('GET', '/v1/participants/{participantId}/mapping-profiles/{version}', undefined, { participantId, version: 9 })).status).toBe(404);
    expect((await admin('PUT', '/v1/participants/{participantId}/mapping', { version: 9 }, { participantId })).status).toBe(404);
    expect((await admin('PUT', '/v1/participants/{participantId}/mapping', { version: 1 }, unknown)).status).toBe(404);
    expect((await admin('GET', '/v1/participants/{participantId}/mapping', undefined, { participantId })).status).toBe(404);
    expect((await admin('DELETE', '/v1/participants/{participantId}/mapping', undefined, { participantId })).status).toBe(404);
    expect((await admin('GET', '/v1/mapping-profiles/builtin/{profileId}', undefined, { profileId: 'lotus-notes' })).status).toBe(404);

    const asParticipant = await hub.api.call('GET', '/v1/participants/{participantId}/mapping-profiles', { as: 'demo-mila', params: { participantId } });
    expect(asParticipant.status).toBe(403);
    const dryRun = await hub.api.call('POST', '/v1/mapping-profiles/dry-run', {
      as: 'demo-mila',
      body: { direction: 'inbound', document: ticketly, sample: created },
    });
    expect(dryRun.status).toBe(403);
  });

  it('lists the built-in profiles with their documents', async () => {
    const list = await admin('GET', '/v1/mapping-profiles/builtin');
    expect(list.status).toBe(200);
    expect(list.data.items.map((p) => p.id).sort()).toEqual(Object.keys(BUILTIN_PROFILES).sort());
    for (const { id } of list.data.items) {
      const one = await admin('GET', '/v1/mapping-profiles/builtin/{profileId}', undefined, { profileId: id });
      expect(one.data.id).toBe(id);
      expect(typeof one.data.document).toBe('object');
    }
  });
});

describe('activation', () => {
  it('activates a version, another, the previous one again, and deactivates', async () => {
    const participantId = await newParticipant();
    await save(participantId);
    await save(participantId, { ...ticketly, description: 'v2' });
    const one = await admin('PUT', '/v1/participants/{participantId}/mapping', { version: 1 }, { participantId });
    expect(one.status).toBe(200);
    expect(one.data).toMatchObject({ participantId, version: 1, activatedBy: 'hub-admin', inboundAuth: { kind: 'bearer' } });
    expect(one.data).not.toHaveProperty('secret');
    expect((await admin('PUT', '/v1/participants/{participantId}/mapping', { version: 2 }, { participantId })).data.version).toBe(2);
    expect((await admin('GET', '/v1/participants/{participantId}/mapping', undefined, { participantId })).data.version).toBe(2);
    const versions = await admin('GET', '/v1/participants/{participantId}/mapping-profiles', undefined, { participantId });
    expect(versions.data.items.map((v) => v.active)).toEqual([false, true]);

    const back = await admin('PUT', '/v1/participants/{participantId}/mapping', { version: 1 }, { participantId });
    expect(back.data).toMatchObject({ version: 1, profileId: one.data.profileId });
    expect((await admin('GET', '/v1/participants/{participantId}/mapping-profiles/{version}', undefined, { participantId, version: 1 })).data.active).toBe(
      true,
    );

    expect((await admin('DELETE', '/v1/participants/{participantId}/mapping', undefined, { participantId })).status).toBe(204);
    expect((await admin('GET', '/v1/participants/{participantId}/mapping', undefined, { participantId })).status).toBe(404);
    // The versions stay.
    expect((await admin('GET', '/v1/participants/{participantId}/mapping-profiles', undefined, { participantId })).data.items).toHaveLength(2);
  });

  it('answers a generated secret once, stores it encrypted, never shows it again, and keeps it on re-activation', async () => {
    const participantId = await newParticipant();
    await save(participantId);
    await save(participantId);
    const hmac = { kind: 'hmac', header: 'X-Hub-Signature-256', algorithm: 'sha256', encoding: 'hex', prefix: 'sha256=' } as const;
    const put = await admin('PUT', '/v1/participants/{participantId}/mapping', { version: 1, inboundAuth: hmac }, { participantId });
    expect(put.status).toBe(200);
    expect(put.headers.get('cache-control')).toBe('no-store');
    const secret = put.data.secret!;
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(put.data.inboundAuth).toEqual({ ...hmac, header: 'x-hub-signature-256' });

    const get = await admin('GET', '/v1/participants/{participantId}/mapping', undefined, { participantId });
    expect(get.data).not.toHaveProperty('secret');
    expect(JSON.stringify(get.body)).not.toContain(secret);
    const [row] = await hub.db.query<{ inbound_auth: unknown }>('SELECT inbound_auth FROM mapping_bindings WHERE participant_id = $1', [participantId]);
    expect(JSON.stringify(row.inbound_auth)).not.toContain(secret);

    // Another version, authentication unchanged: no new secret, the old one still holds.
    const again = await admin('PUT', '/v1/participants/{participantId}/mapping', { version: 2 }, { participantId });
    expect(again.data).not.toHaveProperty('secret');
    const store = new MappingProfiles(
      dataSource,
      new MappingEngine(CodelistRegistry.fromDirectory(defaultCodelistDirectory()), loadOpenApiDocument(), {}),
      new FieldCipher(dataKey),
      {
        refreshMs: 0,
      },
    );
    const auth = await store.inboundAuth(participantId);
    expect(auth).toEqual({ ...hmac, header: 'x-hub-signature-256', secret });
    const body = JSON.stringify(created);
    const signature = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
    expect(auth?.kind === 'hmac' && inboundSecretMatches(auth, signature, body)).toBe(true);
    expect(auth?.kind === 'hmac' && inboundSecretMatches(auth, signature, `${body} `)).toBe(false);

    // A new setting replaces the secret.
    const shared = await admin(
      'PUT',
      '/v1/participants/{participantId}/mapping',
      { version: 2, inboundAuth: { kind: 'shared-secret', header: 'X-Api-Key' } },
      { participantId },
    );
    expect(shared.data.secret).toBeDefined();
    expect(shared.data.secret).not.toBe(secret);
    expect(await store.inboundAuth(participantId)).toEqual({ kind: 'shared-secret', header: 'x-api-key', secret: shared.data.secret });
    await admin('PUT', '/v1/participants/{participantId}/mapping', { version: 2, inboundAuth: { kind: 'bearer' } }, { participantId });
    expect(await store.inboundAuth(participantId)).toEqual({ kind: 'bearer' });
  });

  it('goes with its participant', async () => {
    const participantId = await newParticipant();
    await save(participantId);
    await admin(
      'PUT',
      '/v1/participants/{participantId}/mapping',
      { version: 1, inboundAuth: { kind: 'shared-secret', header: 'X-Api-Key' } },
      { participantId },
    );
    expect((await admin('DELETE', '/v1/participants/{participantId}', undefined, { participantId })).status).toBe(204);
    const rows = await hub.db.query<{ n: string }>(
      `SELECT (SELECT count(*) FROM mapping_profiles WHERE participant_id = $1) + (SELECT count(*) FROM mapping_bindings WHERE participant_id = $1) AS n`,
      [participantId],
    );
    expect(Number(rows[0].n)).toBe(0);
  });
});

describe('the run-time cache', () => {
  it('reads the bindings with one query per period, none while fresh, and at once after a local change', async () => {
    const participantId = await newParticipant();
    await save(participantId);
    await admin('PUT', '/v1/participants/{participantId}/mapping', { version: 1 }, { participantId });
    let now = 0;
    const store = new MappingProfiles(
      dataSource,
      new MappingEngine(CodelistRegistry.fromDirectory(defaultCodelistDirectory()), loadOpenApiDocument(), {}),
      new FieldCipher(dataKey),
      {
        refreshMs: 1000,
        now: () => now,
      },
    );
    // Counts the statements the store sends.
    const pool = poolOf(dataSource);
    const query = pool.query.bind(pool);
    let queries = 0;
    pool.query = ((...args: Parameters<typeof query>) => {
      queries++;
      return query(...args);
    }) as typeof pool.query;
    try {
      const active = await store.active(participantId);
      expect(active).toMatchObject({ version: 1 });
      const before = queries;
      for (let i = 0; i < 100; i++) {
        expect(await store.active('demo-mila')).toBeNull();
        expect((await store.active(participantId))?.profile).toBe(active?.profile);
      }
      expect((await store.activeMany([participantId, 'demo-bela'])).size).toBe(1);
      expect(queries).toBe(before);

      // Another replica deactivates: seen after the period, with one query.
      await admin('DELETE', '/v1/participants/{participantId}/mapping', undefined, { participantId });
      expect(await store.active(participantId)).not.toBeNull();
      now += 1000;
      expect(await store.active(participantId)).toBeNull();
      expect(queries).toBe(before + 1);

      // A local activation is seen at once.
      await store.activate(participantId, 1, 'test');
      expect(await store.active(participantId)).toMatchObject({ version: 1 });
    } finally {
      pool.query = query;
    }
  });
});

describe('dry run', () => {
  it('runs a stored version on a native message, with the trace of expressions and value maps', async () => {
    const participantId = await newParticipant();
    await save(participantId);
    const r = await admin('POST', '/v1/mapping-profiles/dry-run', { participantId, version: 1, direction: 'inbound', sample: created });
    expect(r.status).toBe(200);
    expect(r.data.violations).toEqual([]);
    expect(r.data.error).toBeUndefined();
    expect(r.data.result).toMatchObject({
      rule: 'created',
      operation: 'createTicket',
      sourceRef: 'created-7',
      body: { externalId: 'T-100', subject: 'Login fails', urgency: 1, impact: 2 },
    });
    expect(r.data.trace).toEqual(
      expect.arrayContaining([
        { pointer: '/inbound/rules/0/when', value: true },
        { valueMap: 'urgency', direction: 'toCanonical', from: 'high', to: '1', defaulted: false },
      ]),
    );
    // Nothing changed: no ticket was created.
    const [{ n }] = await hub.db.query<{ n: string }>(`SELECT count(*) AS n FROM tickets WHERE origin_external_id = 'T-100'`);
    expect(Number(n)).toBe(0);
  });

  it('runs a posted document outbound and on an answer, and reports a default that applied', async () => {
    const document: MappingProfileDocument = {
      ...ticketly,
      valueMaps: { ...ticketly.valueMaps, status: { toCanonical: { '1': 'in_progress' }, defaultNative: '1' } },
    };
    const event = { type: 'ticket.forwarded', ticket: { id: 't1', subject: 'Login fails', status: 'forwarded' } };
    const out = await admin('POST', '/v1/mapping-profiles/dry-run', { document, direction: 'outbound', eventType: 'ticket.forwarded', sample: event });
    expect(out.data.result).toEqual({ name: 'create', method: 'POST', path: '/records', headers: {}, body: { title: 'Login fails', state: '1' } });
    expect(out.data.trace).toContainEqual({ valueMap: 'status', direction: 'toNative', from: 'forwarded', to: '1', defaulted: true });
    const answer = await admin('POST', '/v1/mapping-profiles/dry-run', { document, direction: 'answer', requestName: 'create', sample: { number: 'T-200' } });
    expect(answer.data.result).toEqual({ status: 'acknowledged', externalId: 'T-200' });
    expect(answer.data.trace).toContainEqual({ pointer: '/outbound/answer/fields/externalId', value: 'T-200' });
  });

  it('answers a mapping error and an invalid document inside the 200, and a bad request with 400', async () => {
    const event = { type: 'ticket.forwarded', ticket: { id: 't1', subject: 'Login fails', status: 'forwarded' } };
    const unmapped = await admin('POST', '/v1/mapping-profiles/dry-run', {
      document: ticketly,
      direction: 'outbound',
      eventType: 'ticket.forwarded',
      sample: event,
    });
    expect(unmapped.status).toBe(200);
    expect(unmapped.data).toMatchObject({ result: null, error: { code: 'unmapped-code', pointer: '/valueMaps/status/toNative' } });
    const noRule = await admin('POST', '/v1/mapping-profiles/dry-run', { document: ticketly, direction: 'inbound', sample: { event: 'deleted' } });
    expect(noRule.data.error).toMatchObject({ code: 'no-matching-rule', pointer: '/inbound/rules' });

    const invalid = await admin('POST', '/v1/mapping-profiles/dry-run', {
      document: { valueMaps: { status: { toCanonical: { '1': 'in-progress' } } } },
      direction: 'inbound',
      sample: created,
    });
    expect(invalid.status).toBe(200);
    expect(invalid.data).toMatchObject({ result: null, violations: [{ pointer: '/valueMaps/status/toCanonical/1' }] });

    const both = await admin('POST', '/v1/mapping-profiles/dry-run', {
      document: ticketly,
      participantId: 'demo-mila',
      version: 1,
      direction: 'inbound',
      sample: created,
    });
    expect(both.status).toBe(400);
    expect(both.problem.errors?.map((e) => e.pointer)).toEqual(['/body/document']);
    const noEvent = await admin('POST', '/v1/mapping-profiles/dry-run', { document: ticketly, direction: 'outbound', sample: event });
    expect(noEvent.status).toBe(400);
    expect(noEvent.problem.errors?.map((e) => e.pointer)).toEqual(['/body/eventType']);
    const unknownVersion = await admin('POST', '/v1/mapping-profiles/dry-run', {
      participantId: 'demo-mila',
      version: 42,
      direction: 'inbound',
      sample: created,
    });
    expect(unknownVersion.status).toBe(404);
  });
});
