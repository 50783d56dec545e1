import { createHash, createHmac, randomUUID } from 'node:crypto';
import { AuditVerifier, CheckpointWriter } from '@drehscheibe/audit';
import { verifyTicketHistory, type DeliveredEvent, type PublicJwk, type TicketAuditProof } from '@drehscheibe/evidence';
import { createDataSource } from '@drehscheibe/persistence';
import { SigningKey } from '@drehscheibe/security';
import { compactVerify, createLocalJWKSet, FlattenedSign, flattenedVerify, type CryptoKey, type JWK } from 'jose';
import type { DataSource } from 'typeorm';
import { assertionForm, clientAssertion, clientKeyPair, type ClientKeyPair } from '../support/client-assertions.js';
import { ed25519SecretKey } from '../support/environment.js';
import { startInProcessHub, type InProcessHub } from '../support/in-process-hub.js';

/**
 * Issue 17, signed messages in (security suite): a participant signs its
 * writes with the key registered for its client (`Drehscheibe-Signature`,
 * JWS with detached payload); the hub verifies, chains the proof with each
 * event the request makes and names it in the receipt; a signature that
 * does not hold, or none where the participant must sign, changes nothing.
 */
const PUBLIC_URL = 'https://hub.test.example';
const KEY = ed25519SecretKey();
const TYP = 'drehscheibe-request+jws';

interface Party {
  participantId: string;
  clientId: string;
  key: ClientKeyPair;
  token: string;
}

let hub: InProcessHub;
let ds: DataSource;
let origin: Party;
let assignee: Party;
let hubKeys: PublicJwk[];

let seq = 0;
async function party(role: string): Promise<Party> {
  const participantId = `de-sh-signed-${role}-${Date.now().toString(36)}-${++seq}`;
  expect(
    (await hub.api.admin('POST', '/v1/participants', { id: participantId, name: `Signiert ${role}`, kind: 'land_ticket_system', land: 'DE-SH' })).status,
  ).toBe(201);
  const key = await clientKeyPair('EdDSA');
  const created = await hub.api.admin(
    'POST',
    '/v1/participants/{participantId}/clients',
    { scopes: ['tickets'], authMethod: 'private_key_jwt', jwks: { keys: [key.publicJwk as never] } },
    { participantId },
  );
  expect(created.status).toBe(201);
  const clientId = created.data.clientId;
  const token = await hub.api.call('POST', '/v1/oauth/token', assertionForm(await clientAssertion(clientId, key, `${PUBLIC_URL}/v1/oauth/token`)));
  expect(token.status).toBe(200);
  return { participantId, clientId, key, token: token.data.access_token };
}

beforeAll(async () => {
  hub = await startInProcessHub(undefined, { PUBLIC_URL, AUTH_CLIENT_CACHE_MS: '0', HUB_TOKEN_SIGNING_KEY: KEY });
  ds = await createDataSource({ url: hub.db.url, poolSize: 2 }).initialize();
  hubKeys = ((await (await fetch(`${hub.url}/.well-known/jwks.json`)).json()) as { keys: PublicJwk[] }).keys;
  origin = await party('origin');
  assignee = await party('assignee');
}, 120_000);
afterAll(async () => {
  await ds?.destroy();
  await hub?.close();
});

interface SignOptions {
  header?: Record<string, unknown>;
  /** Sign with this private key instead of the party's own. */
  privateKey?: CryptoKey;
}

/** A request signature as a participant makes it, with jose alone. */
async function sign(who: Party, method: string, htu: string, body: string, options: SignOptions = {}): Promise<string> {
  const header = { alg: who.key.alg, kid: who.key.kid, typ: TYP, iat: Math.floor(Date.now() / 1000), jti: randomUUID(), htm: method, htu, ...options.header };
  const signed = await new FlattenedSign(Buffer.from(body)).setProtectedHeader(header).sign(options.privateKey ?? who.key.privateKey);
  return `${signed.protected}..${signed.signature}`;
}

interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

/** One write as raw HTTP: the exact body bytes that were signed. */
async function send(who: Party, method: string, path: string, body: string, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await fetch(`${hub.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${who.token}`, 'content-type': 'application/json', ...headers },
    body,
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, unknown> };
}

async function sendSigned(who: Party, method: string, path: string, body: string, headers: Record<string, string> = {}): Promise<Answer & { jws: string }> {
  const jws = await sign(who, method, path, body);
  return { ...(await send(who, method, path, body, { 'drehscheibe-signature': jws, ...headers })), jws };
}

let counter = 0;
const createBody = () =>
  JSON.stringify({
    externalId: `SIG-${Date.now()}-${++counter}`,
    type: 'incident',
    subject: 'Signierte Anfrage',
    serviceId: 'svc-demo-wohngeld',
    impact: 2,
    urgency: 2,
    channel: 'web_form',
    assignee: { participantId: assignee.participantId },
  });

async function newTicket(): Promise<string> {
  const created = await send(origin, 'POST', '/v1/tickets', createBody());
  expect(created.status).toBe(201);
  return created.body.id as string;
}

interface EventView {
  id: string;
  type: string;
  ticketVersion: number;
  requestSignature?: { kid: string; alg: string; jws: string; bodySha256: string };
}

async function events(ticketId: string): Promise<EventView[]> {
  const r = await hub.api.call('GET', '/v1/tickets/{ticketId}/events', { headers: { authorization: `Bearer ${origin.token}` }, params: { ticketId } });
  expect(r.status).toBe(200);
  return r.data.items;
}

/** The ticket's version and event count, and whether an Idempotency-Key was recorded: what a refused write must leave as it was. */
async function state(ticketId: string, idempotencyKey?: string) {
  const [row] = await hub.db.query<{ version: number; events: number }>(
    'SELECT t.version, (SELECT count(*)::int FROM ticket_events e WHERE e.ticket_id = t.id) AS events FROM tickets t WHERE t.id = $1',
    [ticketId],
  );
  const keys = idempotencyKey
    ? await hub.db.query<{ n: number }>('SELECT count(*)::int AS n FROM idempotency_keys WHERE key = $1', [idempotencyKey])
    : [{ n: 0 }];
  return { ...row, idempotencyKeys: keys[0].n };
}

const sha256 = (data: string) => createHash('sha256').update(data).digest('hex');

/** The proof verified as anyone can: jose, the participant's registered public key, and the body it kept. */
async function verifyProof(proof: NonNullable<EventView['requestSignature']>, publicJwk: JWK, body: string): Promise<void> {
  expect(proof.bodySha256).toBe(sha256(body));
  const [protectedHeader, detached, signature] = proof.jws.split('.');
  expect(detached).toBe('');
  await expect(flattenedVerify({ protected: protectedHeader, payload: Buffer.from(body).toString('base64url'), signature }, publicJwk)).resolves.toBeDefined();
}

describe('a signed write', () => {
  it('creates, acknowledges, changes status and comments; every event carries the proof and the receipt names it', async () => {
    const createdBody = createBody();
    const created = await sendSigned(origin, 'POST', '/v1/tickets', createdBody);
    expect(created.status).toBe(201);
    const ticketId = created.body.id as string;

    const receipt = created.headers.get('drehscheibe-receipt')!;
    const { payload } = await compactVerify(receipt, createLocalJWKSet({ keys: hubKeys }));
    expect(JSON.parse(Buffer.from(payload).toString())).toMatchObject({
      ticketId,
      bodySha256: sha256(createdBody),
      requestSignature: { kid: origin.key.kid, jwsSha256: sha256(created.jws) },
    });

    const base = `/v1/tickets/${ticketId}`;
    const writes: Array<[Party, string, string]> = [
      [assignee, `${base}/acknowledgement`, JSON.stringify({ externalId: `B-${counter}` })],
      [assignee, `${base}/status`, JSON.stringify({ status: 'in_progress' })],
      [origin, `${base}/comments`, JSON.stringify({ text: 'Die Bürgerin nutzt Firefox.', visibility: 'public' })],
    ];
    const sent = [{ who: origin, body: createdBody, jws: created.jws }];
    for (const [who, path, body] of writes) {
      const r = await sendSigned(who, 'POST', path, body);
      expect({ path, status: r.status }).toEqual({ path, status: 200 });
      sent.push({ who, body, jws: r.jws });
    }

    const history = await events(ticketId);
    expect(history.map((e) => e.type)).toEqual(['ticket.forwarded', 'ticket.acknowledged', 'ticket.status_changed', 'ticket.comment_added']);
    for (const [i, event] of history.entries()) {
      const { who, body, jws } = sent[i];
      expect(event.requestSignature).toEqual({ kid: who.key.kid, alg: 'EdDSA', jws, bodySha256: sha256(body) });
      await verifyProof(event.requestSignature!, who.key.publicJwk, body);
    }
  });

  it('of several events (the answer to a question: comment and status) puts the proof in each', async () => {
    const ticketId = await newTicket();
    const base = `/v1/tickets/${ticketId}`;
    expect((await send(assignee, 'POST', `${base}/acknowledgement`, JSON.stringify({ externalId: `B-${++counter}` }))).status).toBe(200);
    expect((await send(assignee, 'POST', `${base}/status`, JSON.stringify({ status: 'waiting', reason: 'Welcher Browser?' }))).status).toBe(200);
    const body = JSON.stringify({ text: 'Firefox 128.' });
    const answered = await sendSigned(origin, 'POST', `${base}/comments`, body);
    expect(answered.status).toBe(200);
    const last = (await events(ticketId)).slice(-2);
    expect(last.map((e) => e.type)).toEqual(['ticket.comment_added', 'ticket.status_changed']);
    for (const event of last) expect(event.requestSignature).toEqual({ kid: origin.key.kid, alg: 'EdDSA', jws: answered.jws, bodySha256: sha256(body) });
  });

  it('of an attachment signs its raw bytes, with the query in htu', async () => {
    const ticketId = await newTicket();
    const pdf = Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(512, 7), Buffer.from('\n%%EOF\n')]);
    const path = `/v1/tickets/${ticketId}/attachments?filename=Bescheid.pdf`;
    const header = { alg: 'EdDSA', kid: origin.key.kid, typ: TYP, iat: Math.floor(Date.now() / 1000), jti: randomUUID(), htm: 'POST' };
    const signWith = async (htu: string) => {
      const signed = await new FlattenedSign(pdf).setProtectedHeader({ ...header, jti: randomUUID(), htu }).sign(origin.key.privateKey);
      return `${signed.protected}..${signed.signature}`;
    };
    const post = async (signature: string) =>
      fetch(`${hub.url}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${origin.token}`, 'content-type': 'application/pdf', 'drehscheibe-signature': signature },
        body: pdf,
      });
    // Without its query the signature is for another request.
    expect((await post(await signWith(path.split('?')[0]))).status).toBe(401);
    const jws = await signWith(path);
    expect((await post(jws)).status).toBe(201);
    const added = (await events(ticketId)).at(-1)!;
    expect(added.type).toBe('ticket.attachment_added');
    expect(added.requestSignature).toEqual({ kid: origin.key.kid, alg: 'EdDSA', jws, bodySha256: createHash('sha256').update(pdf).digest('hex') });
  });
});

describe('a signature that does not hold is refused, and nothing changes', () => {
  let ticketId: string;
  let path: string;
  beforeAll(async () => {
    ticketId = await newTicket();
    path = `/v1/tickets/${ticketId}/comments`;
  });
  const body = JSON.stringify({ text: 'Bitte um Rückruf.', visibility: 'public' });

  const forged: Array<[string, RegExp, () => Promise<{ signature: string; sent?: string }>]> = [
    [
      'a body changed by one byte',
      /does not verify/,
      async () => ({ signature: await sign(origin, 'POST', path, body), sent: body.replace('Rückruf', 'Rückrug') }),
    ],
    [
      'another key under the registered kid',
      /does not verify/,
      async () => ({ signature: await sign(origin, 'POST', path, body, { privateKey: (await clientKeyPair()).privateKey }) }),
    ],
    ['an unknown kid', /not a key registered/, async () => ({ signature: await sign(origin, 'POST', path, body, { header: { kid: 'nobody' } }) })],
    [
      "the other party's key",
      /not a key registered/,
      async () => ({ signature: await sign(origin, 'POST', path, body, { privateKey: assignee.key.privateKey, header: { kid: assignee.key.kid } }) }),
    ],
    ['another path (htu)', /htu/, async () => ({ signature: await sign(origin, 'POST', `/v1/tickets/${ticketId}/cancel`, body) })],
    ['another ticket (htu)', /htu/, async () => ({ signature: await sign(origin, 'POST', `/v1/tickets/${randomUUID()}/comments`, body) })],
    ['another method (htm)', /htm/, async () => ({ signature: await sign(origin, 'PUT', path, body) })],
    [
      'an iat ten minutes old',
      /iat/,
      async () => ({ signature: await sign(origin, 'POST', path, body, { header: { iat: Math.floor(Date.now() / 1000) - 600 } }) }),
    ],
    ['no jti', /jti/, async () => ({ signature: await sign(origin, 'POST', path, body, { header: { jti: undefined } }) })],
    ['alg none', /alg must be/, () => Promise.resolve({ signature: `${unsignedHeader('none', path)}..AA` })],
    [
      'alg HS256 keyed with the public key',
      /alg must be/,
      () => {
        const header = unsignedHeader('HS256', path);
        const mac = createHmac('sha256', JSON.stringify(origin.key.publicJwk)).update(`${header}.${Buffer.from(body).toString('base64url')}`);
        return Promise.resolve({ signature: `${header}..${mac.digest('base64url')}` });
      },
    ],
    ['not a detached JWS', /detached/, () => Promise.resolve({ signature: 'eyJhbGciOiJFZERTQSJ9.e30.AA' })],
  ];

  function unsignedHeader(alg: string, htu: string): string {
    const header = { alg, kid: origin.key.kid, typ: TYP, iat: Math.floor(Date.now() / 1000), jti: randomUUID(), htm: 'POST', htu };
    return Buffer.from(JSON.stringify(header)).toString('base64url');
  }

  it.each(forged)('%s: 401 signature-invalid', async (_what, reason, make) => {
    const before = await state(ticketId);
    const { signature, sent } = await make();
    const key = randomUUID();
    const r = await send(origin, 'POST', path, sent ?? body, { 'drehscheibe-signature': signature, 'idempotency-key': key });
    expect(r.status).toBe(401);
    expect(r.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(r.body.type).toBe('urn:drehscheibe:problem:signature-invalid');
    expect(r.body.detail).toMatch(reason);
    expect(await state(ticketId, key)).toEqual({ ...before, idempotencyKeys: 0 });
  });

  it('the same signature again (replayed jti): 401 signature-replayed, and the first one stands alone', async () => {
    const jws = await sign(origin, 'POST', path, body);
    const first = await send(origin, 'POST', path, body, { 'drehscheibe-signature': jws });
    expect(first.status).toBe(200);
    const after = await state(ticketId);
    const key = randomUUID();
    const replayed = await send(origin, 'POST', path, body, { 'drehscheibe-signature': jws, 'idempotency-key': key });
    expect(replayed.status).toBe(401);
    expect(replayed.body.type).toBe('urn:drehscheibe:problem:signature-replayed');
    expect(await state(ticketId, key)).toEqual({ ...after, idempotencyKeys: 0 });
  });

  it('a bad signature on a create makes no ticket', async () => {
    const sent = createBody();
    const externalId = (JSON.parse(sent) as { externalId: string }).externalId;
    const r = await send(origin, 'POST', '/v1/tickets', sent, { 'drehscheibe-signature': await sign(origin, 'POST', '/v1/tickets', sent.replace('2,', '3,')) });
    expect(r.status).toBe(401);
    expect(r.body.type).toBe('urn:drehscheibe:problem:signature-invalid');
    expect(await hub.db.query('SELECT id FROM tickets WHERE origin_external_id = $1', [externalId])).toEqual([]);
  });
});

describe("the participant's policy", () => {
  const policy = (participantId: string, requestSigning: 'optional' | 'required') =>
    hub.api.admin('PATCH', '/v1/participants/{participantId}', { requestSigning }, { participantId });

  afterAll(async () => {
    await policy(origin.participantId, 'optional');
  });

  it('is optional by default: an unsigned write is accepted and its event has no proof member', async () => {
    expect((await hub.api.admin('GET', '/v1/participants/{participantId}', undefined, { participantId: origin.participantId })).data.requestSigning).toBe(
      'optional',
    );
    const ticketId = await newTicket();
    const r = await send(origin, 'POST', `/v1/tickets/${ticketId}/comments`, JSON.stringify({ text: 'Ohne Signatur.' }));
    expect(r.status).toBe(200);
    for (const event of await events(ticketId)) expect(event).not.toHaveProperty('requestSignature');
    expect(await hub.db.query('SELECT request_signature FROM ticket_events WHERE ticket_id = $1', [ticketId])).toEqual([
      { request_signature: null },
      { request_signature: null },
    ]);
  });

  it('required: an unsigned write is refused (401 signature-required) and changes nothing; a signed one passes', async () => {
    const ticketId = await newTicket();
    const updated = await policy(origin.participantId, 'required');
    expect(updated.status).toBe(200);
    expect(updated.data.requestSigning).toBe('required');
    const path = `/v1/tickets/${ticketId}/comments`;
    const body = JSON.stringify({ text: 'Pflicht.' });
    const before = await state(ticketId);
    const key = randomUUID();
    const unsigned = await send(origin, 'POST', path, body, { 'idempotency-key': key });
    expect(unsigned.status).toBe(401);
    expect(unsigned.body.type).toBe('urn:drehscheibe:problem:signature-required');
    expect(await state(ticketId, key)).toEqual({ ...before, idempotencyKeys: 0 });
    const unsignedCreate = await send(origin, 'POST', '/v1/tickets', createBody());
    expect(unsignedCreate.body.type).toBe('urn:drehscheibe:problem:signature-required');
    // Reads need no signature.
    expect((await hub.api.call('GET', '/v1/tickets/{ticketId}', { headers: { authorization: `Bearer ${origin.token}` }, params: { ticketId } })).status).toBe(
      200,
    );
    expect((await sendSigned(origin, 'POST', path, body)).status).toBe(200);
    expect((await state(ticketId)).version).toBe(before.version + 1);
    // The other party's policy is its own.
    expect((await send(assignee, 'POST', path, JSON.stringify({ text: 'Unsigniert, erlaubt.' }))).status).toBe(200);
  });

  it('takes only optional or required', async () => {
    const r = await hub.api.call('PATCH', '/v1/participants/{participantId}', {
      as: 'hub-admin',
      params: { participantId: origin.participantId },
      untypedBody: { requestSigning: 'sometimes' },
    });
    expect(r.status).toBe(400);
    expect(r.problem.type).toBe('urn:drehscheibe:problem:validation-failed');
    expect(JSON.stringify(r.body)).toContain('/body/requestSigning');
  });
});

describe('the audit with signed events', () => {
  it('verifies (the whole database, and a participant its own history), and names an event whose proof was changed', async () => {
    const ticketId = await newTicket();
    const signed = await sendSigned(origin, 'POST', `/v1/tickets/${ticketId}/comments`, JSON.stringify({ text: 'Für das Protokoll.' }));
    expect(signed.status).toBe(200);
    await new CheckpointWriter(ds, await SigningKey.fromSecret(KEY), 'drehscheibe').runOnce();
    // The assignee's own check of what it was shown (the feed: the events with their snapshots and proofs).
    const feed = await hub.api.call('GET', '/v1/events', { headers: { authorization: `Bearer ${assignee.token}` }, query: { limit: 200 } });
    expect(feed.status).toBe(200);
    const shown = (feed.data.items as unknown as DeliveredEvent[]).filter((e) => e.ticketId === ticketId);
    expect(shown.some((e) => 'requestSignature' in e)).toBe(true);
    const proof = await hub.api.call('GET', '/v1/tickets/{ticketId}/audit-proof', {
      headers: { authorization: `Bearer ${assignee.token}` },
      params: { ticketId },
    });
    expect(proof.status).toBe(200);
    expect(verifyTicketHistory(shown, proof.data as unknown as TicketAuditProof, hubKeys)).toMatchObject({ ok: true });
    const forged = shown.map((e) => ('requestSignature' in e ? { ...e, requestSignature: { ...(e.requestSignature as object), kid: 'forged' } } : e));
    expect(verifyTicketHistory(forged, proof.data as unknown as TicketAuditProof, hubKeys)).toMatchObject({ ok: false });

    const verifier = new AuditVerifier(ds, hubKeys);
    const report = await verifier.verify();
    expect(report.broken).toBeNull();
    const [{ n }] = await hub.db.query<{ n: number }>('SELECT count(*)::int AS n FROM ticket_events');
    expect(report.events).toBe(n);

    const [event] = await hub.db.query<{ id: string; request_signature: object }>(
      'SELECT id, request_signature FROM ticket_events WHERE ticket_id = $1 AND request_signature IS NOT NULL',
      [ticketId],
    );
    await hub.db.query(`UPDATE ticket_events SET request_signature = jsonb_set(request_signature, '{kid}', '"forged"') WHERE id = $1`, [event.id]);
    expect((await verifier.verify()).broken).toMatchObject({
      table: 'ticket_events',
      row: event.id,
      reason: expect.stringContaining('does not match its hash') as string,
    });
    await hub.db.query('UPDATE ticket_events SET request_signature = $2 WHERE id = $1', [event.id, event.request_signature]);
    expect((await verifier.verify()).broken).toBeNull();
  });
});
