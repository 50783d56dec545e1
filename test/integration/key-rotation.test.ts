import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { CheckpointWriter } from '@drehscheibe/audit';
import { SigningKey } from '@drehscheibe/security';
import { generateEd25519KeyPair } from '@drehscheibe/webhooks';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, compactVerify, type JSONWebKeySet } from 'jose';
import type { DataSource } from 'typeorm';
import { createDataSource } from '@drehscheibe/persistence';
import type { TestDatabase } from '../support/database.js';
import { seededDatabase, startInProcessHub, type InProcessHub } from '../support/in-process-hub.js';

/**
 * Rotating the hub's Ed25519 keys without downtime (docs/security.md): the
 * new public key is published ahead, the switch keeps the old one published,
 * and what the old key signed — access tokens still running, receipts, audit
 * checkpoints — still verifies; removing the old key ends its tokens.
 */
const ROOT = resolve(import.meta.dirname, '../..');
const oldToken = generateEd25519KeyPair();
const newToken = generateEd25519KeyPair();
const oldWebhook = generateEd25519KeyPair();
const newWebhook = generateEd25519KeyPair();

let reuse: { db: TestDatabase; credentials: Awaited<ReturnType<typeof seededDatabase>>['credentials'] };
let hub: InProcessHub | undefined;
let ds: DataSource;

beforeAll(async () => {
  reuse = await seededDatabase('http://127.0.0.1:9');
  ds = await createDataSource({ url: reuse.db.url, poolSize: 2 }).initialize();
}, 120_000);
afterAll(async () => {
  await hub?.close();
  await ds?.destroy();
  await reuse?.db.drop();
});

async function start(env: Record<string, string>): Promise<InProcessHub> {
  await hub?.close();
  hub = await startInProcessHub(undefined, env, { reuse });
  return hub;
}

const jwksOf = async (h: InProcessHub, path = '/.well-known/jwks.json') => (await (await fetch(h.url + path)).json()) as JSONWebKeySet;
const kidOf = async (secret: string) => (await SigningKey.fromSecret(secret)).kid;

/** A token straight from the token endpoint (the test's API client would cache one per participant). */
async function tokenFrom(h: InProcessHub): Promise<string> {
  const { clientId, clientSecret } = reuse.credentials['demo-mila'];
  const r = await fetch(`${h.url}/v1/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret }),
  });
  expect(r.status).toBe(200);
  return ((await r.json()) as { access_token: string }).access_token;
}

const listTickets = (h: InProcessHub, token: string) => fetch(`${h.url}/v1/tickets?limit=1`, { headers: { authorization: `Bearer ${token}` } });

function auditVerify(jwksUrl: string): Promise<{ code: number | null; out: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [resolve(ROOT, 'dist/apps/hub-cli/src/main.js'), 'audit-verify', '--jwks', jwksUrl], {
      env: { ...process.env, DATABASE_URL: reuse.db.url, LOG_LEVEL: 'warn' },
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('close', (code) => done({ code, out }));
  });
}

describe('rotating the token signing key (tokens, receipts, checkpoints)', () => {
  it('publishes ahead, switches without refusing a running token, and keeps the old signatures verifiable', async () => {
    // Before: the old key signs a token, a receipt and a checkpoint.
    let h = await start({ HUB_TOKEN_SIGNING_KEY: oldToken.secretKey, HUB_WEBHOOK_SIGNING_KEY: oldWebhook.secretKey });
    const tokenOld = await tokenFrom(h);
    const created = await h.api.call('POST', '/v1/tickets', {
      as: 'demo-mila',
      body: { externalId: `ROT-${Date.now()}`, type: 'question', subject: 'Rotation', serviceId: 'svc-demo-wohngeld', impact: 3, urgency: 3, channel: 'chat' },
    });
    expect(created.status).toBe(201);
    const receipt = created.headers.get('drehscheibe-receipt')!;
    expect('made' in (await new CheckpointWriter(ds, await SigningKey.fromSecret(oldToken.secretKey), 'drehscheibe').runOnce())).toBe(true);
    expect((await jwksOf(h)).keys.map((k) => k.kid)).toEqual([await kidOf(oldToken.secretKey)]);

    // 1. The new public key published ahead: both in the JWKS, the old key still signs.
    h = await start({ HUB_TOKEN_SIGNING_KEY: oldToken.secretKey, HUB_TOKEN_PUBLISHED_KEYS: newToken.publicKey, HUB_WEBHOOK_SIGNING_KEY: oldWebhook.secretKey });
    expect((await jwksOf(h)).keys.map((k) => k.kid)).toEqual([await kidOf(oldToken.secretKey), await kidOf(newToken.secretKey)]);
    expect(decodeProtectedHeader(await tokenFrom(h)).kid).toBe(await kidOf(oldToken.secretKey));

    // 2. The switch: the new key signs, the old one stays published; the running token still works.
    h = await start({ HUB_TOKEN_SIGNING_KEY: newToken.secretKey, HUB_TOKEN_PUBLISHED_KEYS: oldToken.publicKey, HUB_WEBHOOK_SIGNING_KEY: oldWebhook.secretKey });
    expect((await listTickets(h, tokenOld)).status).toBe(200);
    const tokenNew = await tokenFrom(h);
    expect(decodeProtectedHeader(tokenNew).kid).toBe(await kidOf(newToken.secretKey));
    const jwks = createLocalJWKSet(await jwksOf(h));
    await expect(jwtVerify(tokenNew, jwks, { issuer: 'drehscheibe' })).resolves.toBeDefined();
    await expect(compactVerify(receipt, jwks)).resolves.toBeDefined();
    expect('made' in (await new CheckpointWriter(ds, await SigningKey.fromSecret(newToken.secretKey), 'drehscheibe').runOnce())).toBe(
      false, // nothing changed since the last checkpoint
    );
    await h.api.command('demo-bela', 'acknowledgement', (created.data as { id: string }).id, { externalId: 'B-ROT' });
    expect('made' in (await new CheckpointWriter(ds, await SigningKey.fromSecret(newToken.secretKey), 'drehscheibe').runOnce())).toBe(true);
    // Checkpoints signed by both keys verify against the published JWKS.
    const verified = await auditVerify(`${h.url}/.well-known/jwks.json`);
    expect(verified.out).toMatch(/audit verified: .* 2 checkpoints/);
    expect(verified.code).toBe(0);

    // 3. The old key removed: its tokens end, and its checkpoints no longer verify with what is published.
    h = await start({ HUB_TOKEN_SIGNING_KEY: newToken.secretKey, HUB_WEBHOOK_SIGNING_KEY: oldWebhook.secretKey });
    const refused = await listTickets(h, tokenOld);
    expect(refused.status).toBe(401);
    expect((await listTickets(h, tokenNew)).status).toBe(200);
    const unverified = await auditVerify(`${h.url}/.well-known/jwks.json`);
    expect(unverified.code).toBe(1);
    expect(unverified.out).toContain('audit BROKEN at audit_checkpoints 1: its signature does not hold');
  });
});

describe('rotating the webhook signing key', () => {
  it('publishes the next and the retired key beside the signing one, in the webhook set only', async () => {
    const h = await start({
      HUB_TOKEN_SIGNING_KEY: newToken.secretKey,
      HUB_WEBHOOK_SIGNING_KEY: newWebhook.secretKey,
      HUB_WEBHOOK_PUBLISHED_KEYS: oldWebhook.publicKey,
    });
    expect((await jwksOf(h, '/.well-known/webhook-jwks.json')).keys.map((k) => k.kid)).toEqual([
      await kidOf(newWebhook.secretKey),
      await kidOf(oldWebhook.secretKey),
    ]);
    expect((await jwksOf(h)).keys.map((k) => k.kid)).toEqual([await kidOf(newToken.secretKey)]);
  });

  it('refuses a configuration that publishes one key in both sets', async () => {
    await expect(
      start({
        HUB_TOKEN_SIGNING_KEY: newToken.secretKey,
        HUB_TOKEN_PUBLISHED_KEYS: oldWebhook.publicKey,
        HUB_WEBHOOK_SIGNING_KEY: newWebhook.secretKey,
        HUB_WEBHOOK_PUBLISHED_KEYS: oldWebhook.publicKey,
      }),
    ).rejects.toThrow('must not share a key');
    hub = undefined;
  });
});

describe('hub-cli generate-key and public-key', () => {
  const cli = (args: string[], env: Record<string, string> = {}) =>
    new Promise<{ code: number | null; out: string }>((done) => {
      const child = spawn(process.execPath, [resolve(ROOT, 'dist/apps/hub-cli/src/main.js'), ...args], { env: { ...process.env, ...env } });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      child.on('close', (code) => done({ code, out }));
    });

  it('print a new key pair with the steps, and the public half of the configured key', async () => {
    const generated = await cli(['generate-key', '--kind', 'token']);
    expect(generated.code).toBe(0);
    const secret = /whsk_[A-Za-z0-9+/]{43}=/.exec(generated.out)![0];
    const published = /whpk_[A-Za-z0-9+/]{43}=/.exec(generated.out)![0];
    expect(generated.out).toContain('HUB_TOKEN_PUBLISHED_KEYS');
    const printed = await cli(['public-key', '--kind', 'token'], { HUB_TOKEN_SIGNING_KEY: secret });
    expect(printed).toEqual({ code: 0, out: `${published}\n` });
    expect((await cli(['generate-key', '--kind', 'data'])).code).toBe(64);
  });
});
