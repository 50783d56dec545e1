import type { Logger } from '@drehscheibe/observability';
import type { Redis } from 'ioredis';

/** What one request used of its participant's window. */
export interface RateLimitUse {
  allowed: boolean;
  /** The participant's quota per window. */
  limit: number;
  remaining: number;
  /** Seconds until the window resets (at least 1). */
  resetSeconds: number;
  windowSeconds: number;
}

/**
 * Counts and expires in one step: the first request of a window starts its
 * expiry. Returns the count and the milliseconds the window has left.
 */
const COUNT_SCRIPT = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {n, ttl}`;

type CountingRedis = Redis & { countRequest(key: string, windowMs: number): Promise<[number, number]> };

/**
 * API requests per participant (all its clients together) in fixed windows,
 * counted in Redis so that every replica of the API shares the count: one
 * round trip per request (a Lua script). While Redis cannot answer, requests
 * are let through: the limit protects the hub from a flood, it must not turn
 * a Redis outage into an API outage (writes keep working through the outbox).
 */
export class ParticipantRateLimiter {
  private readonly redis: CountingRedis;
  private warnedAt = 0;

  constructor(
    redis: Redis,
    private readonly keyPrefix: string,
    private readonly defaults: { requests: number; windowSeconds: number },
    private readonly logger?: Logger,
  ) {
    if (!('countRequest' in redis)) redis.defineCommand('countRequest', { numberOfKeys: 1, lua: COUNT_SCRIPT });
    this.redis = redis as CountingRedis;
  }

  /** Counts one request of `participantId`; `ownLimit` is the participant's override (null: the default). */
  async use(participantId: string, ownLimit: number | null): Promise<RateLimitUse | null> {
    const limit = ownLimit ?? this.defaults.requests;
    const windowMs = this.defaults.windowSeconds * 1000;
    // Not queued while disconnected: an offline queue would hold every request until Redis returns.
    if (this.redis.status !== 'ready') return null;
    let count: number;
    let leftMs: number;
    try {
      [count, leftMs] = await this.redis.countRequest(`${this.keyPrefix}:rate:${participantId}`, windowMs);
    } catch (e) {
      this.warn(e);
      return null;
    }
    return {
      allowed: count <= limit,
      limit,
      remaining: Math.max(0, limit - count),
      resetSeconds: Math.max(1, Math.ceil(leftMs / 1000)),
      windowSeconds: this.defaults.windowSeconds,
    };
  }

  private warn(e: unknown): void {
    if (Date.now() - this.warnedAt < 60_000) return;
    this.warnedAt = Date.now();
    this.logger?.warn({ err: e instanceof Error ? e.message : String(e) }, 'rate limit not counted: Redis did not answer; requests pass unlimited');
  }
}

/** The IETF draft's `RateLimit` and `RateLimit-Policy` headers for an answer. */
export function rateLimitHeaders(use: RateLimitUse): Record<string, string> {
  return {
    ratelimit: `"participant";r=${use.remaining};t=${use.resetSeconds}`,
    'ratelimit-policy': `"participant";q=${use.limit};w=${use.windowSeconds}`,
  };
}
