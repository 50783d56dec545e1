import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * How the hub authenticates a participant's native messages
 * (`POST /v1/inbound/{participantId}`), as an administrator sets it:
 * - `bearer`: the participant's own access token (OAuth client credentials);
 * - `shared-secret`: a header carrying a secret the hub generated, for
 *   systems that can send a fixed header but not fetch a token;
 * - `hmac`: a header carrying the HMAC of the raw body under that secret
 *   (hex or base64, after an optional prefix such as `sha256=`), for systems
 *   that sign their webhooks.
 */
export type InboundAuthSetting =
  | { kind: 'bearer' }
  | { kind: 'shared-secret'; header: string }
  | { kind: 'hmac'; header: string; algorithm: 'sha256' | 'sha512'; encoding: 'hex' | 'base64'; prefix?: string };

/** The setting with its secret, as the inbound route needs it. Never logged, never answered except once. */
export type InboundAuth =
  | { kind: 'bearer' }
  | { kind: 'shared-secret'; header: string; secret: string }
  | { kind: 'hmac'; header: string; algorithm: 'sha256' | 'sha512'; encoding: 'hex' | 'base64'; prefix?: string; secret: string };

/** A fresh secret: 32 random bytes, base64url (43 characters). */
export function generateInboundSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** The setting without its secret (what the admin API shows). */
export function inboundAuthSetting(auth: InboundAuth | InboundAuthSetting): InboundAuthSetting {
  switch (auth.kind) {
    case 'bearer':
      return { kind: 'bearer' };
    case 'shared-secret':
      return { kind: 'shared-secret', header: auth.header };
    case 'hmac':
      return {
        kind: 'hmac',
        header: auth.header,
        algorithm: auth.algorithm,
        encoding: auth.encoding,
        ...(auth.prefix !== undefined ? { prefix: auth.prefix } : {}),
      };
  }
}

/**
 * Whether a native message carries the right secret: `headerValue` is the
 * value of the setting's header, `rawBody` the exact bytes received (HMAC).
 * Compares in constant time. For `bearer` the access token decides, not this.
 */
export function inboundSecretMatches(auth: Exclude<InboundAuth, { kind: 'bearer' }>, headerValue: string | undefined, rawBody: Buffer | string): boolean {
  if (headerValue === undefined) return false;
  if (auth.kind === 'shared-secret') return constantTimeEqual(headerValue, auth.secret);
  const prefix = auth.prefix ?? '';
  if (!headerValue.startsWith(prefix)) return false;
  const expected = createHmac(auth.algorithm, auth.secret).update(rawBody).digest(auth.encoding);
  const given = headerValue.slice(prefix.length);
  // Hex digests compare case-insensitively; base64 exactly.
  return auth.encoding === 'hex' ? constantTimeEqual(given.toLowerCase(), expected) : constantTimeEqual(given, expected);
}

function constantTimeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}
