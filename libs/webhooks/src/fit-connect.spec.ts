import { createHmac } from 'node:crypto';
import { CallbackVerificationError, generateCallbackSecret, signCallback, verifyCallback, type CallbackFailure } from '@drehscheibe/webhooks';

function reason(fn: () => unknown): CallbackFailure {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(CallbackVerificationError);
    return (e as CallbackVerificationError).reason;
  }
  throw new Error('expected verification to fail');
}

/** What a FIT-Connect receiver computes, written with node:crypto alone. */
function independentHmac(secret: string, timestamp: string, body: string): string {
  return createHmac('sha512', secret).update(`${timestamp}.${body}`).digest('hex');
}

describe('FIT-Connect callbacks', () => {
  const secret = generateCallbackSecret();
  const body = '{"type":"ticket.created","id":"e1"}';

  it('signs lowercase hex HMAC-SHA512 over timestamp.body, as an independent implementation computes it', () => {
    const headers = signCallback({ timestamp: 1_800_000_000, body, secrets: [secret] });
    expect(headers['callback-timestamp']).toBe('1800000000');
    expect(headers['callback-authentication']).toMatch(/^[0-9a-f]{128}$/);
    expect(headers['callback-authentication']).toBe(independentHmac(secret, '1800000000', body));
    expect(signCallback({ timestamp: 1_800_000_000, body: Buffer.from(body), secrets: [secret] })).toEqual(headers);
  });

  it('verifies within five minutes either way and refuses tampering, other secrets and stale or future timestamps', () => {
    const now = 1_800_000_000;
    const headers = signCallback({ timestamp: now, body, secrets: [secret] });
    expect(verifyCallback(headers, body, [secret], { now: now + 300 })).toEqual({ timestamp: now });
    expect(verifyCallback(headers, body, [secret], { now: now - 300 }).timestamp).toBe(now);
    expect(reason(() => verifyCallback(headers, body, [secret], { now: now + 301 }))).toBe('timestamp_too_old');
    expect(reason(() => verifyCallback(headers, body, [secret], { now: now - 301 }))).toBe('timestamp_too_new');
    expect(reason(() => verifyCallback(headers, body.replace('e1', 'e2'), [secret], { now }))).toBe('no_matching_signature');
    expect(reason(() => verifyCallback(headers, body, [generateCallbackSecret()], { now }))).toBe('no_matching_signature');
    // The timestamp is signed: moving it breaks the signature.
    expect(reason(() => verifyCallback({ ...headers, 'callback-timestamp': String(now + 1) }, body, [secret], { now }))).toBe('no_matching_signature');
    expect(reason(() => verifyCallback({ 'callback-timestamp': String(now) }, body, [secret], { now }))).toBe('missing_headers');
    expect(reason(() => verifyCallback({ ...headers, 'callback-timestamp': '1e9' }, body, [secret], { now }))).toBe('invalid_timestamp');
    // Uppercase hex is not what the hub sends, and not accepted.
    expect(
      reason(() => verifyCallback({ ...headers, 'callback-authentication': headers['callback-authentication'].toUpperCase() }, body, [secret], { now })),
    ).toBe('no_matching_signature');
  });

  it('lists one signature per secret during a rotation, and either secret verifies', () => {
    const next = generateCallbackSecret();
    const headers = signCallback({ timestamp: 5, body, secrets: [next, secret] });
    const [first, second] = headers['callback-authentication'].split(',');
    expect(first).toBe(independentHmac(next, '5', body));
    expect(second).toBe(independentHmac(secret, '5', body));
    expect(verifyCallback(headers, body, [secret], { now: 5 }).timestamp).toBe(5);
    expect(verifyCallback(headers, body, [next], { now: 5 }).timestamp).toBe(5);
    expect(reason(() => verifyCallback(headers, body, [generateCallbackSecret()], { now: 5 }))).toBe('no_matching_signature');
  });

  it('generates long random secrets and refuses short ones and non-second timestamps', () => {
    expect(secret).toMatch(/^[A-Za-z0-9_-]{86}$/);
    expect(generateCallbackSecret()).not.toBe(secret);
    expect(() => signCallback({ timestamp: 5, body, secrets: ['short'] })).toThrow(/at least 32/);
    expect(() => signCallback({ timestamp: 5, body, secrets: [] })).toThrow(/at least one/);
    expect(() => signCallback({ timestamp: Date.now(), body, secrets: [secret] })).toThrow(/Unix seconds/);
    expect(() => verifyCallback({}, body, ['short'])).toThrow(TypeError);
  });
});
