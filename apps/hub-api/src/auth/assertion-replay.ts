import { DependencyUnavailableError } from '@drehscheibe/availability';
import type { AssertionReplayGuard } from '@drehscheibe/registry';
import type { SignatureReplayGuard } from '@drehscheibe/security';
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/** Seconds a jti is kept beyond its assertion's expiry: the clock tolerance the assertion was checked with. */
const TOLERANCE_SECONDS = 30;

/**
 * Remembers a client's jti in Redis until `expiresAt` (plus the clock
 * tolerance), shared by every API replica: `SET NX` answers whether it was
 * new in one step, so two replicas receiving the same one at once cannot
 * both accept it. While Redis is unreachable nothing is accepted (503):
 * replay protection is not given up. `kind` keeps client assertions and
 * request signatures apart.
 */
function redisJtiGuard(redis: Redis, keyPrefix: string, kind: 'assertion-jti' | 'signature-jti', what: string) {
  return async (clientId: string, jti: string, expiresAt: number): Promise<boolean> => {
    const ttlMs = Math.max(1_000, (expiresAt + TOLERANCE_SECONDS) * 1000 - Date.now());
    // Hashed: a jti is the client's text, of any shape; the key stays short and plain.
    const key = `${keyPrefix}:${kind}:${createHash('sha256').update(`${clientId}\u0000${jti}`).digest('base64url')}`;
    let answer: string | null;
    try {
      answer = await redis.set(key, '1', 'PX', ttlMs, 'NX');
    } catch (e) {
      throw new DependencyUnavailableError('redis', `the replay check of ${what} is unavailable`, { cause: e });
    }
    return answer === 'OK';
  };
}

/** The jti of every accepted client assertion (private_key_jwt), until the assertion expires. */
export function redisAssertionReplayGuard(redis: Redis, keyPrefix: string): AssertionReplayGuard {
  return redisJtiGuard(redis, keyPrefix, 'assertion-jti', 'client assertions');
}

/** The jti of every accepted request signature, until its iat leaves the accepted window. */
export function redisSignatureReplayGuard(redis: Redis, keyPrefix: string): SignatureReplayGuard {
  return redisJtiGuard(redis, keyPrefix, 'signature-jti', 'request signatures');
}
