import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, type RateLimiterAbstract } from 'rate-limiter-flexible';

export interface FailedAuthLimits {
  perClient: number;
  perSource: number;
  windowSeconds: number;
}

export interface HoldBack {
  retryAfterSeconds: number;
  /** Which count is exhausted: the client id's or the source address's. */
  by: 'client' | 'source';
}

/** How long a source that authenticated a client stays exempt from that client id's failure count. */
const TRUSTED_PAIR_SECONDS = 7 * 24 * 3600;
const MAX_LOCAL_TRUSTED = 10_000;

/**
 * Counts failed client authentications per client id and per source address
 * in Redis, shared by every API replica (an in-memory count per replica
 * stands in while Redis is unreachable), and tells the caller to hold back
 * before it spends an scrypt verification on a client id or source that
 * failed too often. Successful authentications are never counted.
 *
 * A flood of wrong secrets for one client id must not lock out the real
 * client: a source that authenticated that client before is exempt from the
 * client id's count (not from its own source count).
 */
export class FailedAuthLimiter {
  private readonly byClient: RateLimiterAbstract;
  private readonly bySource: RateLimiterAbstract;
  private readonly localTrusted = new Map<string, number>();

  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
    private readonly limits: FailedAuthLimits,
  ) {
    const limiter = (name: string, points: number) =>
      new RateLimiterRedis({
        storeClient: redis,
        keyPrefix: `${keyPrefix}:auth-failures:${name}`,
        points,
        duration: limits.windowSeconds,
        rejectIfRedisNotReady: true,
        insuranceLimiter: new RateLimiterMemory({ keyPrefix: `${keyPrefix}:auth-failures:${name}`, points, duration: limits.windowSeconds }),
      });
    this.byClient = limiter('client', limits.perClient);
    this.bySource = limiter('source', limits.perSource);
  }

  /** Whether an authentication of `clientId` from `source` must wait, checked before the secret. */
  async holdBack(clientId: string | undefined, source: string): Promise<HoldBack | null> {
    const [bySource, byClient] = await Promise.all([this.bySource.get(source), clientId ? this.byClient.get(clientId) : null]);
    if (bySource && bySource.consumedPoints >= this.limits.perSource) return { by: 'source', retryAfterSeconds: seconds(bySource.msBeforeNext) };
    if (clientId && byClient && byClient.consumedPoints >= this.limits.perClient && !(await this.trusted(clientId, source))) {
      return { by: 'client', retryAfterSeconds: seconds(byClient.msBeforeNext) };
    }
    return null;
  }

  async failed(clientId: string | undefined, source: string): Promise<void> {
    await Promise.all([this.bySource.penalty(source), clientId ? this.byClient.penalty(clientId) : null]);
  }

  /** Remembers the pair without holding up the answer. */
  succeeded(clientId: string, source: string): void {
    const key = this.trustedKey(clientId, source);
    if (this.localTrusted.size >= MAX_LOCAL_TRUSTED) this.localTrusted.delete(this.localTrusted.keys().next().value!);
    this.localTrusted.set(key, Date.now() + TRUSTED_PAIR_SECONDS * 1000);
    this.redis.set(key, '1', 'EX', TRUSTED_PAIR_SECONDS).catch(() => undefined);
  }

  private async trusted(clientId: string, source: string): Promise<boolean> {
    const key = this.trustedKey(clientId, source);
    if ((this.localTrusted.get(key) ?? 0) > Date.now()) return true;
    try {
      return (await this.redis.exists(key)) === 1;
    } catch {
      return false;
    }
  }

  private trustedKey(clientId: string, source: string): string {
    return `${this.keyPrefix}:auth-trusted:${encodeURIComponent(clientId)}:${source}`;
  }
}

const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));
