import { createCipheriv, randomBytes, randomUUID } from 'node:crypto';
import { ConnectorConfigs } from '@drehscheibe/connectors';
import { createDataSource } from '@drehscheibe/persistence';
import { dataKeyId, FieldCipher } from '@drehscheibe/security';
import type { DataSource } from 'typeorm';
import { ENCRYPTED_COLUMNS, rotateDataKey } from '../../apps/hub-cli/src/rotate-data-key.js';
import type { ApiClient } from '../support/api-client.js';
import type { TestDatabase } from '../support/database.js';
import { seededDatabase, startInProcessHub, type InProcessHub } from '../support/in-process-hub.js';

/**
 * Data-key rotation without downtime (issue 17, personal data). The hub runs
 * with key A; then with key B current and A previous, while a load of writes
 * (new tickets with requesters, idempotent requests) goes on,
 * `rotate-data-key` re-encrypts every encrypted value; afterwards no value
 * names key A, and a hub with key B alone reads everything: the requesters,
 * the stored idempotent answers, the connector's secret and the inbound
 * secret of a mapping binding. Values written before key rings (`v1.`,
 * no key id) are rotated too.
 */
const keyA = randomBytes(32).toString('base64');
const keyB = randomBytes(32).toString('base64');
const requesterOf = (n: number) => ({ name: `Rotation Person ${n}`, email: `rotation-${n}@example.org` });

let db: TestDatabase | undefined;
let hub: InProcessHub | undefined;
let dataSource: DataSource | undefined;
afterAll(async () => {
  await dataSource?.destroy();
  await hub?.close();
  await db?.drop();
});

let seq = 0;
async function createTicket(h: InProcessHub, key = randomUUID()): Promise<{ id: string; n: number; key: string }> {
  const n = ++seq;
  const r = await h.api.call('POST', '/v1/tickets', {
    as: 'demo-mila',
    headers: { 'idempotency-key': key },
    body: {
      externalId: `ROT-${n}`,
      type: 'incident',
      subject: `Rotation ${n}`,
      serviceId: 'svc-demo-wohngeld',
      impact: 2,
      urgency: 2,
      channel: 'email',
      requester: requesterOf(n),
    },
  });
  expect(r.status).toBe(201);
  return { id: r.data.id, n, key };
}

/** A value as FieldCipher stored it before key rings: `v1.<iv>.<tag>.<data>`, no key id. */
function legacyValue(key: string, value: unknown): string {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', Buffer.from(key, 'base64'), iv);
  const data = Buffer.concat([c.update(JSON.stringify(value), 'utf8'), c.final()]);
  return ['v1', iv.toString('base64'), c.getAuthTag().toString('base64'), data.toString('base64')].join('.');
}

const ticketly = {
  description: 'Ticketly',
  inbound: {
    rules: [
      {
        name: 'created',
        when: "event = 'created'",
        operation: 'createTicket' as const,
        fields: {
          externalId: 'record.number',
          type: "'incident'",
          subject: 'record.title',
          serviceId: "'svc-demo-wohngeld'",
          impact: '2',
          urgency: '2',
          channel: "'web_form'",
        },
      },
    ],
  },
};

describe('data-key rotation', () => {
  it('re-encrypts every value under the new key while writes go on; then the old key can go', async () => {
    // 1. The hub with key A: tickets with requesters, a connector and an inbound secret.
    const reuse = await seededDatabase('http://127.0.0.1:9');
    db = reuse.db;
    const first = await startInProcessHub(undefined, { HUB_DATA_KEY: keyA }, { reuse });
    hub = first;
    const before = [];
    for (let i = 0; i < 12; i++) before.push(await createTicket(first));
    const admin: ApiClient['admin'] = (method, path, body, params) => first.api.admin(method, path, body, params);
    const participantId = `de-be-rot-${Date.now().toString(36)}`;
    expect(
      (await admin('POST', '/v1/participants', { id: participantId, name: 'Rotation', kind: 'land_ticket_system', level: 'state', land: 'DE-BE' })).status,
    ).toBe(201);
    const connectorToken = `token-${randomBytes(12).toString('hex')}`;
    const connector = await admin(
      'PUT',
      '/v1/participants/{participantId}/connector',
      {
        kind: 'rt5',
        baseUrl: 'https://rt.berlin.example/REST/2.0/',
        auth: { kind: 'api-key', header: 'Authorization', prefix: 'token ', value: connectorToken },
        settings: { queue: 'Drehscheibe', systemUser: 'drehscheibe', automaticUsers: ['RT_System'] },
      },
      { participantId },
    );
    expect(connector.status).toBeLessThan(300);
    expect((await admin('POST', '/v1/participants/{participantId}/mapping-profiles', ticketly, { participantId })).status).toBe(201);
    const binding = await admin(
      'PUT',
      '/v1/participants/{participantId}/mapping',
      { version: 1, inboundAuth: { kind: 'shared-secret', header: 'X-Api-Key' } },
      { participantId },
    );
    const inboundSecret = binding.data.secret!;
    expect(inboundSecret).toBeDefined();
    // A participant whose deliveries are signed with a secret of its own, rotated: current and previous secret.
    const signedId = `${participantId}-hmac`;
    const signed = await admin('POST', '/v1/participants', {
      id: signedId,
      name: 'Rotation HMAC',
      kind: 'land_ticket_system',
      level: 'state',
      land: 'DE-BE',
      deliverySignature: { scheme: 'standard-webhooks-hmac' },
    });
    expect(signed.status).toBe(201);
    const rotated = await admin('POST', '/v1/participants/{participantId}/delivery-secret', { overlapSeconds: 3600 }, { participantId: signedId });
    expect(rotated.status).toBe(200);
    const deliverySecrets = [rotated.data.secret!, signed.data.deliverySignature!.secret!];
    await first.close();
    hub = undefined;
    // One requester as stored before key rings.
    await reuse.db.query('UPDATE tickets SET requester_enc = $2 WHERE id = $1', [before[0].id, legacyValue(keyA, requesterOf(before[0].n))]);

    // 2. Every replica switched: B encrypts, A still decrypts. Writes go on while the rotation runs.
    hub = await startInProcessHub(undefined, { HUB_DATA_KEY: keyB, HUB_DATA_KEYS_PREVIOUS: keyA }, { reuse });
    const rotating = hub;
    // A request made before the switch, retried now: its fingerprint (under key A) still matches, the first answer replays.
    const replay = await rotating.api.call('POST', '/v1/tickets', {
      as: 'demo-mila',
      headers: { 'idempotency-key': before[1].key },
      body: {
        externalId: `ROT-${before[1].n}`,
        type: 'incident',
        subject: `Rotation ${before[1].n}`,
        serviceId: 'svc-demo-wohngeld',
        impact: 2,
        urgency: 2,
        channel: 'email',
        requester: requesterOf(before[1].n),
      },
    });
    expect(replay.status).toBe(201);
    expect(replay.data.id).toBe(before[1].id);

    dataSource = await createDataSource({ url: reuse.db.url, poolSize: 4 }).initialize();
    const ring = new FieldCipher(keyB, [keyA]);
    const during: Array<{ id: string; n: number; key: string }> = [];
    let writing = true;
    const load = (async () => {
      while (writing) {
        const t = await createTicket(rotating);
        during.push(t);
        // A change of an existing ticket (its row written back under the lock) and a stored answer.
        const target = before[during.length % before.length];
        const comment = await rotating.api.call('POST', '/v1/tickets/{ticketId}/comments', {
          as: 'demo-mila',
          params: { ticketId: target.id },
          headers: { 'idempotency-key': randomUUID() },
          body: { text: `note ${during.length}`, visibility: 'public' },
        });
        expect(comment.status).toBe(200);
      }
    })();
    const report = await rotateDataKey(dataSource, ring);
    writing = false;
    await load;
    expect(during.length).toBeGreaterThan(0);
    expect(report.moved['tickets.requester_enc']).toBeGreaterThanOrEqual(before.length);
    expect(report.moved['connectors.auth']).toBe(1);
    expect(report.moved['mapping_bindings.inbound_auth']).toBe(1);
    // The load's last writes came after the rotation's last count: a second run finds them under B already.
    const again = await rotateDataKey(dataSource, ring);
    expect(again.remaining).toBe(0);

    // 3. No value names key A or the v1 format any more.
    const idA = dataKeyId(keyA);
    for (const { table, column, jsonField } of ENCRYPTED_COLUMNS) {
      const value = jsonField ? `${column} ->> '${jsonField}'` : column;
      const rows = await reuse.db.query<{ value: string }>(`SELECT ${value} AS value FROM ${table} WHERE ${value} IS NOT NULL`);
      expect(rows.length).toBeGreaterThan(0);
      for (const { value: stored } of rows) {
        expect(stored.startsWith(`v2.${dataKeyId(keyB)}.`)).toBe(true);
        expect(stored.includes(idA)).toBe(false);
      }
    }
    await hub.close();

    // 4. Key A removed: everything still decrypts.
    hub = await startInProcessHub(undefined, { HUB_DATA_KEY: keyB }, { reuse });
    for (const t of [...before, ...during]) {
      const view = await hub.api.call('GET', '/v1/tickets/{ticketId}', { as: 'demo-mila', params: { ticketId: t.id } });
      expect(view.data.requester).toEqual(requesterOf(t.n));
    }
    // A stored idempotent answer from the load (re-encrypted or written under B) replays.
    const last = during.at(-1)!;
    const replayed = await hub.api.call('POST', '/v1/tickets', {
      as: 'demo-mila',
      headers: { 'idempotency-key': last.key },
      body: {
        externalId: `ROT-${last.n}`,
        type: 'incident',
        subject: `Rotation ${last.n}`,
        serviceId: 'svc-demo-wohngeld',
        impact: 2,
        urgency: 2,
        channel: 'email',
        requester: requesterOf(last.n),
      },
    });
    expect(replayed.status).toBe(201);
    expect(replayed.data).toMatchObject({ id: last.id, requester: requesterOf(last.n) });
    const keyBOnly = new FieldCipher(keyB);
    const [config] = (await new ConnectorConfigs(dataSource, keyBOnly).enabled()).filter((c) => c.participantId === participantId);
    expect(JSON.stringify(config)).toContain(connectorToken);
    const [bindingRow] = await reuse.db.query<{ inbound_auth: { secretEnc: string } }>('SELECT inbound_auth FROM mapping_bindings WHERE participant_id = $1', [
      participantId,
    ]);
    expect(keyBOnly.decrypt<string>(bindingRow.inbound_auth.secretEnc)).toBe(inboundSecret);
    const [secretRow] = await reuse.db.query<{ secret_enc: string; previous_secret_enc: string }>(
      'SELECT secret_enc, previous_secret_enc FROM delivery_secrets WHERE participant_id = $1',
      [signedId],
    );
    expect([keyBOnly.decrypt<string>(secretRow.secret_enc), keyBOnly.decrypt<string>(secretRow.previous_secret_enc)]).toEqual(deliverySecrets);
  });
});
