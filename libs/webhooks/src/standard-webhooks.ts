import { sign as cryptoSign, timingSafeEqual, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { ed25519PrivateKey, ed25519PublicKey, hmacKey, hmacSha256 } from './keys.js';

export type SignatureVersion = 'v1' | 'v1a';

export interface WebhookSigner {
  version: SignatureVersion;
  sign(content: Buffer): string;
}

/** `v1`: HMAC-SHA256 with a `whsec_` secret. The secret is checked now, so bad configuration fails at startup. */
export function hmacSigner(secret: string): WebhookSigner {
  const key = hmacKey(secret);
  return { version: 'v1', sign: (content) => hmacSha256(key, content).toString('base64') };
}

/** `v1a`: Ed25519 with a `whsk_` secret key or a private KeyObject. */
export function ed25519Signer(secretKey: string | KeyObject): WebhookSigner {
  const key = ed25519PrivateKey(secretKey);
  return { version: 'v1a', sign: (content) => cryptoSign(null, content, key).toString('base64') };
}

/** What the signature covers: `<id>.<timestamp>.<body>` over the exact bytes sent. */
function signedContent(id: string, timestamp: string, body: string | Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${id}.${timestamp}.`), typeof body === 'string' ? Buffer.from(body, 'utf8') : body]);
}

export function signWebhook(input: { id: string; timestamp: number; body: string | Buffer; signers: WebhookSigner[] }): {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
} {
  // A '.' in the id would make `<id>.<timestamp>.<body>` ambiguous (the spec forbids it).
  if (typeof input.id !== 'string' || input.id === '' || /[.\s]/.test(input.id))
    throw new TypeError('a webhook id must be non-empty without dots or whitespace');
  // Catches milliseconds and fractions, which receivers would reject as invalid or far in the future.
  if (!Number.isSafeInteger(input.timestamp) || input.timestamp < 0 || input.timestamp >= 1e11)
    throw new TypeError('a webhook timestamp must be whole Unix seconds');
  if (input.signers.length === 0) throw new TypeError('a webhook needs at least one signer');
  const timestamp = String(input.timestamp);
  const content = signedContent(input.id, timestamp, input.body);
  return {
    'webhook-id': input.id,
    'webhook-timestamp': timestamp,
    'webhook-signature': input.signers.map((s) => `${s.version},${s.sign(content)}`).join(' '),
  };
}

export type VerificationFailure =
  'missing_headers' | 'invalid_timestamp' | 'timestamp_too_old' | 'timestamp_too_new' | 'no_matching_signature' | 'malformed_signature';

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

type Headers = Record<string, string | string[] | undefined>;

/** Case-insensitive; a repeated signature header contributes all its entries. */
function header(headers: Headers, name: string): string | undefined {
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== name || value === undefined) continue;
    const text = Array.isArray(value) ? (name === 'webhook-signature' ? value.join(' ') : value[0]) : value;
    return text?.trim() || undefined;
  }
  return undefined;
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const ED25519_SIGNATURE_BYTES = 64;

/**
 * Verifies a delivery the way a receiver should: timestamp within tolerance,
 * and any listed signature matching any known key (so keys can rotate).
 * Bad keys or options throw a TypeError/RangeError (configuration), never a
 * WebhookVerificationError (the request).
 */
export function verifyWebhook(
  headers: Headers,
  body: string | Buffer,
  keys: VerifyKeys,
  options: { toleranceSeconds?: number; now?: number } = {},
): { id: string; timestamp: number; version: SignatureVersion } {
  // Keys first, so a misconfigured receiver fails on every request, not only on well-formed ones.
  const secrets = (keys.hmacSecrets ?? []).map(hmacKey);
  const publicKeys = (keys.ed25519PublicKeys ?? []).map(ed25519PublicKey);
  const tolerance = options.toleranceSeconds ?? 300;
  if (!Number.isFinite(tolerance) || tolerance < 0) throw new RangeError('toleranceSeconds must be a non-negative number');

  const id = header(headers, 'webhook-id');
  const timestampText = header(headers, 'webhook-timestamp');
  const signatures = header(headers, 'webhook-signature');
  if (!id || !timestampText || !signatures) {
    throw new WebhookVerificationError('missing_headers', 'webhook-id, webhook-timestamp and webhook-signature are required');
  }
  if (!/^\d{1,15}$/.test(timestampText)) throw new WebhookVerificationError('invalid_timestamp', 'webhook-timestamp must be Unix seconds');
  const timestamp = Number(timestampText);
  const now = options.now ?? Math.floor(Date.now() / 1000);
  if (timestamp < now - tolerance) throw new WebhookVerificationError('timestamp_too_old', 'the webhook timestamp is too old');
  if (timestamp > now + tolerance) throw new WebhookVerificationError('timestamp_too_new', 'the webhook timestamp is in the future');

  // The header text, not a re-rendered number, is what the sender signed.
  const content = signedContent(id, timestampText, body);
  let expectedHmacs: Buffer[] | undefined;
  let wellFormed = 0;
  for (const entry of signatures.split(' ')) {
    const comma = entry.indexOf(',');
    if (comma <= 0 || !BASE64.test(entry.slice(comma + 1))) continue;
    wellFormed += 1;
    const version = entry.slice(0, comma);
    const signature = Buffer.from(entry.slice(comma + 1), 'base64');
    if (version === 'v1') {
      expectedHmacs ??= secrets.map((key) => hmacSha256(key, content));
      for (const expected of expectedHmacs) {
        if (expected.length === signature.length && timingSafeEqual(expected, signature)) return { id, timestamp, version: 'v1' };
      }
    } else if (version === 'v1a' && signature.length === ED25519_SIGNATURE_BYTES) {
      for (const key of publicKeys) {
        if (cryptoVerify(null, content, key, signature)) return { id, timestamp, version: 'v1a' };
      }
    }
    // Other versions are skipped: a sender may add schemes this receiver does not know yet.
  }
  if (wellFormed === 0) throw new WebhookVerificationError('malformed_signature', 'webhook-signature holds no <version>,<base64 signature> entry');
  throw new WebhookVerificationError('no_matching_signature', 'no signature matches a known key');
}
