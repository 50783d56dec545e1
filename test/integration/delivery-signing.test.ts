import { createHmac, createPublicKey, randomBytes, timingSafeEqual, verify as cryptoVerify, type JsonWebKey } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { Webhook } from 'standardwebhooks';
import type { DeliveryWorkerHandle } from '../../apps/worker/src/delivery-worker.js';
import { ed25519SecretKey } from '../support/environment.js';
import { startInProcessHub, type InProcessHub } from '../support/in-process-hub.js';
import { startInProcessWorker } from '../support/in-process-worker.js';
import { eventually } from '../support/stack.js';
import { startReceiver, type TestReceiver } from '../support/webhook-receiver.js';

/**
 * Issue 17: deliveries are signed the way each receiver already verifies.
 * Real HTTP deliveries from the worker to a receiver here that checks them
 * with implementations that share no code with the hub: node:crypto for
 * Ed25519 and FIT-Connect, the `standardwebhooks` package for HMAC. A
 * request that does not verify is refused (the handshake too), so every
 * delivery that arrives as delivered was verified.
 */

type Headers = IncomingHttpHeaders;
interface Arrival {
  participant: string;
  headers: Headers;
  body: string;
  receivedAt: number;
  challenge: boolean;
  verified: boolean;
}

const header = (headers: Headers, name: string) => String(headers[name] ?? '');
const nowSeconds = () => Math.floor(Date.now() / 1000);

/** Standard Webhooks Ed25519 with node:crypto, against the keys the hub publishes. */
function verifyEd25519(jwks: JsonWebKey[], headers: Headers, body: string, now = nowSeconds()): boolean {
  const [id, timestamp] = [header(headers, 'webhook-id'), header(headers, 'webhook-timestamp')];
  if (!id || Math.abs(now - Number(timestamp)) > 300) return false;
  const content = Buffer.from(`${id}.${timestamp}.${body}`);
  return header(headers, 'webhook-signature')
    .split(' ')
    .filter((s) => s.startsWith('v1a,'))
    .some((s) => jwks.some((jwk) => cryptoVerify(null, content, createPublicKey({ key: jwk, format: 'jwk' }), Buffer.from(s.slice(4), 'base64'))));
}

/** Standard Webhooks HMAC with the `standardwebhooks` package (it checks the timestamp against its own clock). */
function verifyHmac(secret: string, headers: Headers, body: string): boolean {
  try {
    new Webhook(secret).verify(body, headers as Record<string, string>);
    return true;
  } catch {
    return false;
  }
}

/** FIT-Connect callbacks with node:crypto: hex HMAC-SHA512 over `timestamp.body`, five minutes' window. */
function verifyFitConnect(secret: string, headers: Headers, body: string, now = nowSeconds()): boolean {
  const timestamp = header(headers, 'callback-timestamp');
  if (!/^\d+$/.test(timestamp) || Math.abs(now - Number(timestamp)) > 300) return false;
  const expected = createHmac('sha512', secret).update(`${timestamp}.${body}`).digest();
  return header(headers, 'callback-authentication')
    .split(',')
    .some((s) => /^[0-9a-f]{128}$/.test(s) && timingSafeEqual(Buffer.from(s, 'hex'), expected));
}

let hub: InProcessHub;
let worker: DeliveryWorkerHandle;
let receiver: TestReceiver;
let jwks: JsonWebKey[];
const arrivals: Arrival[] = [];
/** The secrets each receiver has configured (what an administrator copied from the one answer that showed it). */
const configured = new Map<string, string[]>();
/** `<participant>:<text>`: the next delivery to the participant whose body holds the text is refused once, to see the retry. */
const refuseOnce = new Set<string>();
const suffix = randomBytes(3).toString('hex');
const ids = { ed: `sig-ed-${suffix}`, hmac: `sig-hmac-${suffix}`, fit: `sig-fit-${suffix}` };
const schemeOf: Record<string, string> = { [ids.ed]: 'standard-webhooks-ed25519', [ids.hmac]: 'standard-webhooks-hmac', [ids.fit]: 'fit-connect' };

function verify(participant: string, headers: Headers, body: string): boolean {
  const secrets = configured.get(participant) ?? [];
  switch (schemeOf[participant]) {
    case 'standard-webhooks-ed25519':
      return verifyEd25519(jwks, headers, body);
    case 'standard-webhooks-hmac':
      return secrets.some((s) => verifyHmac(s, headers, body));
    case 'fit-connect':
      return secrets.some((s) => verifyFitConnect(s, headers, body));
    default:
      return false;
  }
}

const participantOf = (url: string | undefined) => /^\/participants\/([^/]+)\/webhook$/.exec(url ?? '')?.[1] ?? '?';

beforeAll(async () => {
  receiver = await startReceiver(
    (request, body, response) => {
      const participant = participantOf(request.url);
      const verified = verify(participant, request.headers, body);
      arrivals.push({ participant, headers: request.headers, body, receivedAt: Date.now(), challenge: false, verified });
      const refusal = [...refuseOnce].find((r) => r.startsWith(`${participant}:`) && body.includes(r.slice(participant.length + 1)));
      if (verified && refusal && refuseOnce.delete(refusal)) return void response.writeHead(503).end();
      response.writeHead(verified ? 204 : 401).end();
    },
    {
      // The handshake is signed like deliveries: answer it only when it verifies.
      onChallenge: (request, body) => {
        const participant = participantOf(request.url);
        const verified = verify(participant, request.headers, body);
        arrivals.push({ participant, headers: request.headers, body, receivedAt: Date.now(), challenge: true, verified });
        return verified;
      },
    },
  );
  // The API and the worker share their keys as one deployment does: the worker signs with the key the API publishes and decrypts what it stored.
  const shared = {
    QUEUE_PREFIX: `delivery-signing-${suffix}`,
    HUB_WEBHOOK_SIGNING_KEY: ed25519SecretKey(),
    HUB_TOKEN_SIGNING_KEY: ed25519SecretKey(),
    HUB_DATA_KEY: randomBytes(32).toString('base64'),
  };
  hub = await startInProcessHub(receiver.url, shared);
  jwks = ((await (await fetch(`${hub.url}/.well-known/webhook-jwks.json`)).json()) as { keys: JsonWebKey[] }).keys;
  // A retry comes more than a second after its attempt, so its FIT-Connect timestamp is a later second.
  worker = await startInProcessWorker(hub.db.url, {
    ...shared,
    DELIVERY_BACKOFF_BASE_MS: '2200',
    RECONCILE_INTERVAL_MS: '500',
    CIRCUIT_PROBE_INTERVAL_MS: '1000',
  });
});
afterAll(async () => {
  await worker?.stop();
  await hub?.close();
  await receiver?.close();
});

async function register(id: string, scheme: string): Promise<string | undefined> {
  const r = await hub.api.admin('POST', '/v1/participants', {
    id,
    name: `Signing ${scheme}`,
    kind: 'land_ticket_system',
    land: 'DE-HB',
    deliveryUrl: `${receiver.url}/participants/${id}/webhook`,
    deliverySignature: { scheme: scheme as 'fit-connect' },
  });
  expect(r.status).toBe(201);
  expect(r.data.deliverySignature?.scheme).toBe(scheme);
  const client = await hub.api.admin('POST', '/v1/participants/{participantId}/clients', {}, { participantId: id });
  hub.api.addCredentials(id, client.data);
  const subscribed = await hub.api.call('PUT', '/v1/services/{serviceId}/subscription', { as: id, params: { serviceId: 'svc-demo-wohngeld' } });
  expect(subscribed.status).toBeLessThan(300);
  return r.data.deliverySignature?.secret;
}

/** Publishes a notice to the subscribers; resolves once every signing participant has it delivered. */
async function publishNotice(text: string): Promise<string> {
  const notice = await hub.api.call('POST', '/v1/services/{serviceId}/notices', {
    as: 'demo-bela',
    params: { serviceId: 'svc-demo-wohngeld' },
    body: { kind: 'information', startsAt: new Date().toISOString(), text },
  });
  expect(notice.status).toBe(201);
  await eventually(
    `the notice "${text}" delivered to every signing participant`,
    async () => {
      const rows = await hub.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM deliveries WHERE receiver_id = ANY($1) AND status = 'delivered' AND created_at >= now() - interval '1 minute'
           AND message_id IN (SELECT id FROM outbox_messages WHERE payload LIKE $2)`,
        [Object.values(ids), `%${text}%`],
      );
      return rows[0].n === 3;
    },
    30_000,
  );
  return text;
}

const deliveriesOf = (participant: string, text: string) => arrivals.filter((a) => a.participant === participant && !a.challenge && a.body.includes(text));

describe('delivery signature schemes', () => {
  let hmacSecret: string;
  let fitSecret: string;

  beforeAll(async () => {
    expect(await register(ids.ed, 'standard-webhooks-ed25519')).toBeUndefined();
    hmacSecret = (await register(ids.hmac, 'standard-webhooks-hmac'))!;
    fitSecret = (await register(ids.fit, 'fit-connect'))!;
    expect(hmacSecret).toMatch(/^whsec_[A-Za-z0-9+/]+={0,2}$/);
    expect(fitSecret).toMatch(/^[A-Za-z0-9_-]{86}$/);
    configured.set(ids.hmac, [hmacSecret]);
    configured.set(ids.fit, [fitSecret]);
  });

  it('delivers to each scheme as its receiver verifies, the handshake included', async () => {
    const text = `Wartung ${suffix}`;
    await publishNotice(text);
    for (const id of Object.values(ids)) {
      // Each endpoint answered a handshake signed with its own scheme, and every request that reached it verified.
      expect(arrivals.some((a) => a.participant === id && a.challenge && a.verified)).toBe(true);
      expect(deliveriesOf(id, text).length).toBeGreaterThan(0);
      expect(deliveriesOf(id, text).every((a) => a.verified)).toBe(true);
    }
    const [ed] = deliveriesOf(ids.ed, text);
    expect(header(ed.headers, 'webhook-signature')).toMatch(/^v1a,/);
    const [hmac] = deliveriesOf(ids.hmac, text);
    expect(header(hmac.headers, 'webhook-signature')).toMatch(/^v1,[^ ]+$/);
    const [fit] = deliveriesOf(ids.fit, text);
    expect(fit.headers['webhook-signature']).toBeUndefined();
    expect(header(fit.headers, 'callback-authentication')).toMatch(/^[0-9a-f]{128}$/);
  });

  it('signs each FIT-Connect attempt when it is sent: a retry carries a new, current timestamp', async () => {
    const text = `Retry ${suffix}`;
    // The receiver refuses the first attempt (503): the worker retries after its backoff (over a second).
    refuseOnce.add(`${ids.fit}:${text}`);
    await publishNotice(text);
    expect(refuseOnce.size).toBe(0);
    const attempts = deliveriesOf(ids.fit, text);
    expect(attempts.length).toBeGreaterThanOrEqual(2);
    for (const attempt of attempts) {
      // Current at send time: the timestamp is the second the attempt left (the receiver got it within it, give or take one).
      expect(Math.abs(Number(header(attempt.headers, 'callback-timestamp')) - Math.floor(attempt.receivedAt / 1000))).toBeLessThanOrEqual(1);
      expect(attempt.verified).toBe(true);
    }
    const [first, retry] = attempts;
    expect(Number(header(retry.headers, 'callback-timestamp'))).toBeGreaterThan(Number(header(first.headers, 'callback-timestamp')));
    expect(header(retry.headers, 'callback-authentication')).not.toBe(header(first.headers, 'callback-authentication'));
  });

  it('fails verification with a wrong secret, a tampered body or an old timestamp', () => {
    const [ed] = arrivals.filter((a) => a.participant === ids.ed && !a.challenge);
    const [hmac] = arrivals.filter((a) => a.participant === ids.hmac && !a.challenge);
    const [fit] = arrivals.filter((a) => a.participant === ids.fit && !a.challenge);
    const tampered = (body: string) => body.replace(/"text":"/, '"text":"X');
    expect(verifyEd25519(jwks, ed.headers, ed.body, Number(header(ed.headers, 'webhook-timestamp')))).toBe(true);
    expect(verifyEd25519(jwks, ed.headers, tampered(ed.body))).toBe(false);
    expect(verifyEd25519(jwks, ed.headers, ed.body, Number(header(ed.headers, 'webhook-timestamp')) + 301)).toBe(false);

    const other = new Webhook(`whsec_${randomBytes(32).toString('base64')}`);
    const at = new Date(Number(header(hmac.headers, 'webhook-timestamp')) * 1000);
    // Signed anew by the package at the original time, so only the secret or the body differ from what arrived.
    expect(new Webhook(hmacSecret).sign(header(hmac.headers, 'webhook-id'), at, hmac.body)).toBe(header(hmac.headers, 'webhook-signature'));
    expect(other.sign(header(hmac.headers, 'webhook-id'), at, hmac.body)).not.toBe(header(hmac.headers, 'webhook-signature'));
    expect(verifyHmac(hmacSecret, hmac.headers, tampered(hmac.body))).toBe(false);
    const stale = { ...hmac.headers, 'webhook-timestamp': String(nowSeconds() - 400) };
    expect(verifyHmac(hmacSecret, stale, hmac.body)).toBe(false);

    const fitAt = Number(header(fit.headers, 'callback-timestamp'));
    expect(verifyFitConnect(fitSecret, fit.headers, fit.body, fitAt)).toBe(true);
    expect(verifyFitConnect(randomBytes(64).toString('base64url'), fit.headers, fit.body, fitAt)).toBe(false);
    expect(verifyFitConnect(fitSecret, fit.headers, tampered(fit.body), fitAt)).toBe(false);
    expect(verifyFitConnect(fitSecret, fit.headers, fit.body, fitAt + 301)).toBe(false);
  });

  it('rotates a secret with an overlap: two signatures, then only the new one', async () => {
    const rotated = await hub.api.admin('POST', '/v1/participants/{participantId}/delivery-secret', { overlapSeconds: 2 }, { participantId: ids.hmac });
    expect(rotated.status).toBe(200);
    expect(rotated.headers.get('cache-control')).toBe('no-store');
    const next = rotated.data.secret!;
    expect(next).toMatch(/^whsec_/);
    expect(next).not.toBe(hmacSecret);
    expect(rotated.data).toMatchObject({ scheme: 'standard-webhooks-hmac', secretGeneration: 2 });
    const expiresAt = Date.parse(rotated.data.previousSecretExpiresAt!);

    // The receiver still knows only the old secret: deliveries during the overlap verify all the same.
    const during = `Overlap ${suffix}`;
    await publishNotice(during);
    const [overlapping] = deliveriesOf(ids.hmac, during);
    expect(header(overlapping.headers, 'webhook-signature').split(' ')).toHaveLength(2);
    expect(verifyHmac(hmacSecret, overlapping.headers, overlapping.body)).toBe(true);
    expect(verifyHmac(next, overlapping.headers, overlapping.body)).toBe(true);

    configured.set(ids.hmac, [next]);
    await eventually('the overlap to end', () => Promise.resolve(Date.now() > expiresAt + 100));
    const after = `Nach ${suffix}`;
    await publishNotice(after);
    const [single] = deliveriesOf(ids.hmac, after);
    expect(header(single.headers, 'webhook-signature').split(' ')).toHaveLength(1);
    expect(verifyHmac(next, single.headers, single.body)).toBe(true);
    expect(verifyHmac(hmacSecret, single.headers, single.body)).toBe(false);
    const view = await hub.api.admin('GET', '/v1/participants/{participantId}', undefined, { participantId: ids.hmac });
    expect(view.data.deliverySignature).toEqual({ scheme: 'standard-webhooks-hmac', secretGeneration: 2, secretRotatedAt: expect.any(String) as string });
  });

  it('rotates FIT-Connect callback secrets the same way, listing both signatures meanwhile', async () => {
    const rotated = await hub.api.admin('POST', '/v1/participants/{participantId}/delivery-secret', { overlapSeconds: 60 }, { participantId: ids.fit });
    expect(rotated.status).toBe(200);
    const next = rotated.data.secret!;
    const text = `FIT Overlap ${suffix}`;
    await publishNotice(text);
    const [arrived] = deliveriesOf(ids.fit, text);
    expect(header(arrived.headers, 'callback-authentication').split(',')).toHaveLength(2);
    expect(verifyFitConnect(next, arrived.headers, arrived.body)).toBe(true);
    expect(verifyFitConnect(fitSecret, arrived.headers, arrived.body)).toBe(true);
    fitSecret = next;
    configured.set(ids.fit, [next]);
  });

  it('shows a secret only in the answer that generated it', async () => {
    const secrets = [hmacSecret, fitSecret];
    const answers = [
      await hub.api.admin('GET', '/v1/participants/{participantId}', undefined, { participantId: ids.hmac }),
      await hub.api.admin('GET', '/v1/participants/{participantId}', undefined, { participantId: ids.fit }),
      await hub.api.admin('GET', '/v1/participants'),
      await hub.api.admin('PATCH', '/v1/participants/{participantId}', { name: 'Umbenannt' }, { participantId: ids.hmac }),
      // The scheme it has already: nothing changes, no new secret.
      await hub.api.admin('PATCH', '/v1/participants/{participantId}', { deliverySignature: { scheme: 'fit-connect' } }, { participantId: ids.fit }),
    ];
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      const text = JSON.stringify(answer.body);
      expect(text).not.toContain('"secret"');
      for (const secret of secrets) expect(text).not.toContain(secret);
    }
    // Nor is it in the database in plain text.
    const stored = JSON.stringify(await hub.db.query(`SELECT * FROM delivery_secrets`));
    for (const secret of secrets) expect(stored).not.toContain(secret);
  });

  it('refuses to rotate where there is no secret, and bad rotations, changing nothing', async () => {
    const none = await hub.api.admin('POST', '/v1/participants/{participantId}/delivery-secret', {}, { participantId: ids.ed });
    expect(none.status).toBe(409);
    expect(none.problem.type).toBe('urn:drehscheibe:problem:no-delivery-secret');
    const unknown = await hub.api.admin('POST', '/v1/participants/{participantId}/delivery-secret', {}, { participantId: 'sig-nobody' });
    expect(unknown.status).toBe(404);
    const before = await hub.db.query(`SELECT * FROM delivery_secrets WHERE participant_id = $1`, [ids.hmac]);
    const bad = await hub.api.call('POST', '/v1/participants/{participantId}/delivery-secret', {
      as: 'hub-admin',
      params: { participantId: ids.hmac },
      untypedBody: { overlapSeconds: -1 },
    });
    expect(bad.status).toBe(400);
    expect(bad.problem.type).toBe('urn:drehscheibe:problem:validation-failed');
    const notAdmin = await hub.api.call('POST', '/v1/participants/{participantId}/delivery-secret', { as: ids.hmac, params: { participantId: ids.hmac } });
    expect(notAdmin.status).toBe(403);
    const badScheme = await hub.api.call('PATCH', '/v1/participants/{participantId}', {
      as: 'hub-admin',
      params: { participantId: ids.hmac },
      untypedBody: { deliverySignature: { scheme: 'rsa-sha1' } },
    });
    expect(badScheme.status).toBe(400);
    expect(await hub.db.query(`SELECT * FROM delivery_secrets WHERE participant_id = $1`, [ids.hmac])).toEqual(before);
  });

  it('switches a participant back to the hub key, dropping its secret, and re-verifies the endpoint', async () => {
    // Before the PATCH, every handshake to it was a FIT-Connect one. (Read before it: the
    // worker may start the new handshake as soon as the PATCH has committed.)
    expect(arrivals.some((a) => a.participant === ids.fit && a.challenge && a.headers['webhook-signature'] !== undefined)).toBe(false);
    const r = await hub.api.admin(
      'PATCH',
      '/v1/participants/{participantId}',
      { deliverySignature: { scheme: 'standard-webhooks-ed25519' } },
      { participantId: ids.fit },
    );
    expect(r.status).toBe(200);
    expect(r.data.deliverySignature).toEqual({ scheme: 'standard-webhooks-ed25519' });
    expect(await hub.db.query(`SELECT 1 FROM delivery_secrets WHERE participant_id = $1`, [ids.fit])).toEqual([]);
    schemeOf[ids.fit] = 'standard-webhooks-ed25519';
    await eventually('a new handshake, signed with the hub key', () =>
      Promise.resolve(
        arrivals.some((a) => a.participant === ids.fit && a.challenge && a.verified && header(a.headers, 'webhook-signature').startsWith('v1a,')),
      ),
    );
  });
});
