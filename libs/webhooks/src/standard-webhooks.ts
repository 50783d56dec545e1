import { sign as cryptoSign, timingSafeEqual, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { ed25519PrivateKey, ed25519PublicKey, hmacSha256 } from './keys.js';

export type SignatureVersion = 'v1' | 'v1a';

export interface WebhookSigner {
  version: SignatureVersion;
  sign(content: Buffer): string;
}

export function hmacSigner(secret: string): WebhookSigner {
  return { version: 'v1', sign: (content) => hmacSha256(secret, content).toString('base64') };
}

export function ed25519Signer(secretKey: string | KeyObject): WebhookSigner {
  const key = ed25519PrivateKey(secretKey);
  return { version: 'v1a', sign: (content) => cryptoSign(null, content, key).toString('base64') };
}

/** What the signature covers: `<id>.<timestamp>.<body>` over the exact bytes sent. */
function signedContent(id: string, timestamp: number | string, body: string | Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${id}.${timestamp}.`), typeof body === 'string' ? Buffer.from(body) : body]);
}

export function signWebhook(input: { id: string; timestamp: number; body: string | Buffer; signers: WebhookSigner[] }): {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
} {
  const content = signedContent(input.id, input.timestamp, input.body);
  return {
    'webhook-id': input.id,
    'webhook-timestamp': String(input.timestamp),
    'webhook-signature': input.signers.map((s) => `${s.version},${s.sign(content)}`).join(' '),
  };
}

export type VerificationFailure =
  | 'missing_headers'
  | 'invalid_timestamp'
  | 'timestamp_too_old'
  | 'timestamp_too_new'
  | 'no_matching_signature'
  | 'malformed_signature';

export class WebhookVerificationError extends Error {
  constructor(
    readonly reason: VerificationFailure,
    message: string,
  ) {
    super(message);
    this.name = 'WebhookVerificationError';
  }
}

export interface VerifyKeys {
  hmacSecrets?: string[];
  ed25519PublicKeys?: (string | KeyObject)[];
}

function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === name) return Array.isArray(value) ? value[0] : value;
  }
  return undefined;
}

/**
 * Verifies a delivery the way a receiver should: timestamp within tolerance,
 * and any listed signature matching any known key (so keys can rotate).
 */
export function verifyWebhook(
  headers: Record<string, string | string[] | undefined>,
  body: string | Buffer,
  keys: VerifyKeys,
  options: { toleranceSeconds?: number; now?: number } = {},
): { id: string; timestamp: number; version: SignatureVersion } {
  const id = header(headers, 'webhook-id');
  const timestampText = header(headers, 'webhook-timestamp');
  const signatures = header(headers, 'webhook-signature');
  if (!id || !timestampText || !signatures) throw new WebhookVerificationError('missing_headers', 'webhook-id, webhook-timestamp and webhook-signature are required');
  if (!/^\d+$/.test(timestampText)) throw new WebhookVerificationError('invalid_timestamp', 'webhook-timestamp must be Unix seconds');
  const timestamp = Number(timestampText);
  const now = options.now ?? Math.floor(Date.now() / 1000);
  const tolerance = options.toleranceSeconds ?? 300;
  if (timestamp < now - tolerance) throw new WebhookVerificationError('timestamp_too_old', 'the webhook timestamp is too old');
  if (timestamp > now + tolerance) throw new WebhookVerificationError('timestamp_too_new', 'the webhook timestamp is in the future');

  const content = signedContent(id, timestampText, body);
  const publicKeys = (keys.ed25519PublicKeys ?? []).map(ed25519PublicKey);
  let wellFormed = 0;
  for (const entry of signatures.split(' ').filter(Boolean)) {
    const comma = entry.indexOf(',');
    if (comma < 0) continue;
    const version = entry.slice(0, comma);
    const signature = Buffer.from(entry.slice(comma + 1), 'base64');
    wellFormed += 1;
    if (version === 'v1') {
      for (const secret of keys.hmacSecrets ?? []) {
        const expected = hmacSha256(secret, content);
        if (expected.length === signature.length && timingSafeEqual(expected, signature)) return { id, timestamp, version: 'v1' };
      }
    } else if (version === 'v1a') {
      for (const key of publicKeys) {
        if (cryptoVerify(null, content, key, signature)) return { id, timestamp, version: 'v1a' };
      }
    }
  }
  if (wellFormed === 0) throw new WebhookVerificationError('malformed_signature', 'webhook-signature holds no <version>,<signature> entry');
  throw new WebhookVerificationError('no_matching_signature', 'no signature matches a known key');
}
