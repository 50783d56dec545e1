import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/*
 * FIT-Connect style callbacks: `callback-timestamp` (Unix seconds) and
 * `callback-authentication`, the lowercase hex HMAC-SHA512 over
 * `<timestamp>.<body>` keyed with the callback secret's UTF-8 bytes.
 * Receivers refuse a timestamp outside a 5-minute window, so each attempt is
 * signed when it is sent.
 */

/** The window FIT-Connect receivers allow either way. */
export const CALLBACK_TOLERANCE_SECONDS = 300;

/** Generated secrets: 64 random bytes (the HMAC-SHA512 block's worth of entropy) as base64url text. */
const CALLBACK_SECRET_BYTES = 64;
/** Shorter secrets are too weak for a shared key; receivers may bring their own of at least this length. */
const MIN_SECRET_LENGTH = 32;

const HEX_SHA512 = /^[0-9a-f]{128}$/;

export function generateCallbackSecret(): string {
  return randomBytes(CALLBACK_SECRET_BYTES).toString('base64url');
}

function checkSecret(secret: string): string {
  if (typeof secret !== 'string' || secret.length < MIN_SECRET_LENGTH)
    throw new TypeError(`a callback secret must be a string of at least ${MIN_SECRET_LENGTH} characters`);
  return secret;
}

function callbackHmac(secret: string, timestamp: string, body: string | Buffer): Buffer {
  return createHmac('sha512', Buffer.from(secret, 'utf8'))
    .update(`${timestamp}.`)
    .update(typeof body === 'string' ? Buffer.from(body, 'utf8') : body)
    .digest();
}

/**
 * The headers for one callback. More than one secret (a rotation's overlap):
 * `callback-authentication` lists one signature per secret, comma-separated
 * (an HTTP list), the first secret's first.
 */
export function signCallback(input: { timestamp: number; body: string | Buffer; secrets: string[] }): {
  'callback-timestamp': string;
  'callback-authentication': string;
} {
  if (!Number.isSafeInteger(input.timestamp) || input.timestamp < 0 || input.timestamp >= 1e11)
    throw new TypeError('a callback timestamp must be whole Unix seconds');
  if (input.secrets.length === 0) throw new TypeError('a callback needs at least one secret');
  const timestamp = String(input.timestamp);
  return {
    'callback-timestamp': timestamp,
    'callback-authentication': input.secrets.map((s) => callbackHmac(checkSecret(s), timestamp, input.body).toString('hex')).join(','),
  };
}

export type CallbackFailure = 'missing_headers' | 'invalid_timestamp' | 'timestamp_too_old' | 'timestamp_too_new' | 'no_matching_signature';

export class CallbackVerificationError extends Error {
  constructor(
    readonly reason: CallbackFailure,
    message: string,
  ) {
    super(message);
    this.name = 'CallbackVerificationError';
  }
}

type Headers = Record<string, string | string[] | undefined>;

function header(headers: Headers, name: string): string | undefined {
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== name || value === undefined) continue;
    return (Array.isArray(value) ? value.join(',') : value).trim() || undefined;
  }
  return undefined;
}

/** Verifies a callback as a receiver does: timestamp within the window, any listed signature matching any known secret. */
export function verifyCallback(
  headers: Headers,
  body: string | Buffer,
  secrets: string[],
  options: { toleranceSeconds?: number; now?: number } = {},
): { timestamp: number } {
  secrets.forEach(checkSecret);
  const tolerance = options.toleranceSeconds ?? CALLBACK_TOLERANCE_SECONDS;
  const timestampText = header(headers, 'callback-timestamp');
  const signatures = header(headers, 'callback-authentication');
  if (!timestampText || !signatures) throw new CallbackVerificationError('missing_headers', 'callback-timestamp and callback-authentication are required');
  if (!/^\d{1,15}$/.test(timestampText)) throw new CallbackVerificationError('invalid_timestamp', 'callback-timestamp must be Unix seconds');
  const timestamp = Number(timestampText);
  const now = options.now ?? Math.floor(Date.now() / 1000);
  if (timestamp < now - tolerance) throw new CallbackVerificationError('timestamp_too_old', 'the callback timestamp is too old');
  if (timestamp > now + tolerance) throw new CallbackVerificationError('timestamp_too_new', 'the callback timestamp is in the future');
  const expected = secrets.map((s) => callbackHmac(s, timestampText, body));
  for (const entry of signatures.split(',')) {
    const text = entry.trim();
    if (!HEX_SHA512.test(text)) continue;
    const given = Buffer.from(text, 'hex');
    if (expected.some((e) => timingSafeEqual(e, given))) return { timestamp };
  }
  throw new CallbackVerificationError('no_matching_signature', 'no callback-authentication matches a known secret');
}
