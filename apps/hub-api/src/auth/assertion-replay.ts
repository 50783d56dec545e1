import { DependencyUnavailableError } from '@drehscheibe/availability';
import type { AssertionReplayGuard } from '@drehscheibe/registry';
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/** Seconds a jti is kept beyond its assertion's expiry: the clock tolerance the assertion was checked with. */
const TOLERANCE_SECONDS = 30;

/**
 * The jti of every accepted client assertion, in Redis until the assertion
 * expires (plus the clock tolerance), shared by every API replica: `SET NX`
 * answers whether it was new in one step, so two replicas receiving the
 * same assertion at once cannot both accept it. While Redis is unreachable
 * no assertion is accepted (503): replay protection is not given up.
 */
export function redisAssertionReplayGuard(redis: Redis, keyPrefix: string): AssertionReplayGuard {
  return async (clientId, jti, expiresAt) => {
    const ttlMs = Math.max(1_000, (expiresAt + TOLERANCE_SECONDS) * 1000 - Date.now());
    // Hashed: a jti is the client's text, of any shape; the key stays short and plain.
    const key = `${keyPrefix}:assertion-jti:${createHash('sha256').update(`${clientId}\u0000${jti}`).digest('base64url')}`;
    let answer: string | null;
    try {
      answer = await redis.set(key, '1', 'PX', ttlMs, 'NX');
    } catch (e) {
      throw new DependencyUnavailableError('redis', 'the replay check of client assertions is unavailable', { cause: e });
    }
    return answer === 'OK';
  };
}
