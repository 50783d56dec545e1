import { createHmac } from 'node:crypto';
import { generateInboundSecret, inboundAuthSetting, inboundSecretMatches } from './inbound-auth.js';

describe('inbound authentication', () => {
  const secret = generateInboundSecret();
  const body = '{"event":"created"}';

  it('generates distinct 256-bit secrets', () => {
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(generateInboundSecret()).not.toBe(secret);
  });

  it('checks a shared secret exactly', () => {
    const auth = { kind: 'shared-secret', header: 'x-api-key', secret } as const;
    expect(inboundSecretMatches(auth, secret, body)).toBe(true);
    expect(inboundSecretMatches(auth, `${secret}x`, body)).toBe(false);
    expect(inboundSecretMatches(auth, undefined, body)).toBe(false);
  });

  it('checks an HMAC of the raw body, with its prefix and encoding', () => {
    const hex = { kind: 'hmac', header: 'x-signature', algorithm: 'sha256', encoding: 'hex', prefix: 'sha256=', secret } as const;
    const digest = createHmac('sha256', secret).update(body).digest('hex');
    expect(inboundSecretMatches(hex, `sha256=${digest}`, body)).toBe(true);
    expect(inboundSecretMatches(hex, `sha256=${digest.toUpperCase()}`, Buffer.from(body))).toBe(true);
    expect(inboundSecretMatches(hex, digest, body)).toBe(false);
    expect(inboundSecretMatches(hex, `sha256=${digest}`, `${body} `)).toBe(false);
    const base64 = { kind: 'hmac', header: 'x-signature', algorithm: 'sha512', encoding: 'base64', secret } as const;
    const signature = createHmac('sha512', secret).update(body).digest('base64');
    expect(inboundSecretMatches(base64, signature, body)).toBe(true);
    expect(inboundSecretMatches(base64, signature.toLowerCase(), body)).toBe(false);
  });

  it('shows a setting without its secret', () => {
    expect(inboundAuthSetting({ kind: 'shared-secret', header: 'x-api-key', secret })).toEqual({ kind: 'shared-secret', header: 'x-api-key' });
    expect(JSON.stringify(inboundAuthSetting({ kind: 'hmac', header: 'x', algorithm: 'sha256', encoding: 'hex', secret }))).not.toContain(secret);
  });
});
