import { createHmac, createPublicKey, verify as cryptoVerify } from 'node:crypto';
import { FieldCipher } from '@drehscheibe/security';
import { ed25519Signer, generateCallbackSecret, generateEd25519KeyPair, generateHmacSecret } from '@drehscheibe/webhooks';
import { Webhook } from 'standardwebhooks';
import { DeliverySigning, type ReceiverSecret } from './delivery-signing.js';

const cipher = new FieldCipher(Buffer.alloc(32, 7).toString('base64'));
const hubKey = generateEd25519KeyPair();
const body = '{"id":"e1","type":"service.notice_published"}';

/** A clock the test moves; starts at a whole second plus 400 ms. */
function clock(startSeconds = 1_800_000_000) {
  let ms = startSeconds * 1000 + 400;
  return { now: () => ms, advance: (by: number) => void (ms += by) };
}

function stored(scheme: ReceiverSecret['scheme'], secret: string, previous?: { secret: string; expiresAt: Date }): ReceiverSecret {
  return {
    scheme,
    secretEnc: cipher.encrypt(secret),
    previousSecretEnc: previous ? cipher.encrypt(previous.secret) : null,
    previousSecretExpiresAt: previous?.expiresAt ?? null,
  };
}

describe('DeliverySigning', () => {
  it('signs Standard Webhooks Ed25519 with the hub key when the receiver has no secret (node:crypto verifies)', () => {
    const t = clock();
    const signing = new DeliverySigning(ed25519Signer(hubKey.secretKey), cipher, t.now);
    const headers = signing.headers(null, { id: 'd1', body });
    expect(headers['webhook-timestamp']).toBe('1800000000');
    const [version, signature] = headers['webhook-signature'].split(',');
    expect(version).toBe('v1a');
    const publicKey = createPublicKey({
      key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), Buffer.from(hubKey.publicKey.slice(5), 'base64')]),
      format: 'der',
      type: 'spki',
    });
    expect(cryptoVerify(null, Buffer.from(`d1.1800000000.${body}`), publicKey, Buffer.from(signature, 'base64'))).toBe(true);
    expect(cryptoVerify(null, Buffer.from(`d1.1800000000.${body} `), publicKey, Buffer.from(signature, 'base64'))).toBe(false);
  });

  it('signs Standard Webhooks HMAC with the receiver secret, verified by the standardwebhooks package', () => {
    const secret = generateHmacSecret();
    const signing = new DeliverySigning(ed25519Signer(hubKey.secretKey), cipher);
    const headers = signing.headers(stored('standard-webhooks-hmac', secret), { id: 'd1', body });
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
    expect(() => new Webhook(generateHmacSecret()).verify(body, headers)).toThrow(/No matching signature/);
    expect(() => new Webhook(secret).verify(body.replace('e1', 'e2'), headers)).toThrow(/No matching signature/);
  });

  it('sends old and new HMAC signatures during the overlap, then only the new one', () => {
    const t = clock();
    const [old, next] = [generateHmacSecret(), generateHmacSecret()];
    const signing = new DeliverySigning(ed25519Signer(hubKey.secretKey), cipher, t.now);
    const secret = stored('standard-webhooks-hmac', next, { secret: old, expiresAt: new Date(t.now() + 60_000) });
    const during = signing.headers(secret, { id: 'd1', body });
    expect(during['webhook-signature'].split(' ')).toHaveLength(2);
    // A receiver on either secret accepts it (the package checks the clock: sign with the real one here).
    const live = new DeliverySigning(ed25519Signer(hubKey.secretKey), cipher).headers(
      { ...secret, previousSecretExpiresAt: new Date(Date.now() + 60_000) },
      { id: 'd1', body },
    );
    expect(new Webhook(old).verify(body, live)).toBeTruthy();
    expect(new Webhook(next).verify(body, live)).toBeTruthy();
    t.advance(60_000);
    const after = signing.headers(secret, { id: 'd1', body });
    expect(after['webhook-signature'].split(' ')).toHaveLength(1);
    const afterLive = new DeliverySigning(ed25519Signer(hubKey.secretKey), cipher).headers(
      { ...secret, previousSecretExpiresAt: new Date(Date.now() - 1) },
      { id: 'd1', body },
    );
    expect(new Webhook(next).verify(body, afterLive)).toBeTruthy();
    expect(() => new Webhook(old).verify(body, afterLive)).toThrow(/No matching signature/);
  });

  it('signs FIT-Connect callbacks with the current time at each call, so a retry is signed anew', () => {
    const t = clock();
    const secret = generateCallbackSecret();
    const signing = new DeliverySigning(ed25519Signer(hubKey.secretKey), cipher, t.now);
    const first = signing.headers(stored('fit-connect', secret), { id: 'd1', body });
    expect(Object.keys(first).sort()).toEqual(['callback-authentication', 'callback-timestamp']);
    expect(first['callback-timestamp']).toBe('1800000000');
    expect(first['callback-authentication']).toBe(createHmac('sha512', secret).update(`1800000000.${body}`).digest('hex'));
    t.advance(7 * 60_000); // the retry, seven minutes on: outside the window of the first signature
    const retry = signing.headers(stored('fit-connect', secret), { id: 'd1', body });
    expect(retry['callback-timestamp']).toBe('1800000420');
    expect(retry['callback-authentication']).toBe(createHmac('sha512', secret).update(`1800000420.${body}`).digest('hex'));
    expect(retry['callback-authentication']).not.toBe(first['callback-authentication']);
  });

  it('lists the previous FIT-Connect signature during the overlap only', () => {
    const t = clock();
    const [old, next] = [generateCallbackSecret(), generateCallbackSecret()];
    const signing = new DeliverySigning(ed25519Signer(hubKey.secretKey), cipher, t.now);
    const secret = stored('fit-connect', next, { secret: old, expiresAt: new Date(t.now() + 1000) });
    const during = signing.headers(secret, { id: 'd1', body })['callback-authentication'].split(',');
    expect(during).toEqual([
      createHmac('sha512', next).update(`1800000000.${body}`).digest('hex'),
      createHmac('sha512', old).update(`1800000000.${body}`).digest('hex'),
    ]);
    t.advance(1000);
    expect(signing.headers(secret, { id: 'd1', body })['callback-authentication'].split(',')).toHaveLength(1);
  });
});
