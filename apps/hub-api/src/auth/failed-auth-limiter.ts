import type { Redis } from 'ioredis';
import { RateLimiterRedis, type RateLimiterAbstract, type RateLimiterRes } from 'rate-limiter-flexible';

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

/** An admitted authentication attempt; say how it ended, exactly once. */
export interface AuthAttempt {
  /** Unknown client id or wrong secret: counted. */
  failed(): Promise<void>;
  /** The secret was right: not counted, and the pair is remembered. */
  succeeded(): void;
  /** Ended without an answer about the secret (e.g. the database failed): not counted. */
  abandoned(): void;
}

/** How long a source that authenticated a client stays exempt from that client id's failure count. */
const TRUSTED_PAIR_SECONDS = 7 * 24 * 3600;
const MAX_LOCAL_TRUSTED = 10_000;
const MAX_LOCAL_COUNTS = 100_000;
/**
 * How long admissions wait, once, for the Redis connection a new replica is
 * still opening. Without the wait a replica that has just started would read
 * no shared counts and admit a flood another replica already stopped.
 */
const FIRST_CONNECT_WAIT_MS = 2_000;

/**
 * Counts failed client authentications per client id and per source address
 * in Redis, shared by every API replica (an in-memory count per replica
 * stands in while Redis is unreachable), and holds back attempts for a
 * client id or source that failed too often, before any scrypt work.
 * Successful authentications are never counted, nor are attempts held back.
 *
 * A failure is counted only once its secret was checked, which takes a
 * while; so that a burst cannot slip through meanwhile, the attempts still
 * being checked count too (per replica, in memory), except those from a
 * source that authenticated the same client before: honest clients asking
 * in parallel are not held back, and a flood gets at most the limit's worth
 * of verifications per window and replica. Each replica also keeps its own
 * failures in memory, so that its admissions never depend on a Redis read
 * that started before a failure was recorded.
 *
 * A flood of wrong secrets for one client id must not lock out the real
 * client: a source that authenticated that client before is exempt from the
 * client id's count (never from its own source's failures).
 */
export class FailedAuthLimiter {
  private readonly byClient: RateLimiterAbstract;
  private readonly bySource: RateLimiterAbstract;
  private readonly localTrusted = new Map<string, number>();
  private readonly pending = new Map<string, number>();
  private readonly localFailures = new Map<string, { count: number; until: number }>();
  private wasReady = false;
  private firstConnect?: Promise<void>;

  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
    private readonly limits: FailedAuthLimits,
  ) {
    this.wasReady = redis.status === 'ready';
    redis.once('ready', () => (this.wasReady = true));
    const limiter = (name: string, points: number) => {
      const options = { keyPrefix: `${keyPrefix}:auth-failures:${name}`, points, duration: limits.windowSeconds };
      // No insurance limiter: while Redis is unreachable this replica's own count (localFailures) stands in.
      return new RateLimiterRedis({ ...options, storeClient: redis, rejectIfRedisNotReady: true });
    };
    this.byClient = limiter('client', limits.perClient);
    this.bySource = limiter('source', limits.perSource);
  }

  /** Admits an authentication of `clientId` from `source`, or says how long to wait. */
  async admit(clientId: string | undefined, source: string): Promise<AuthAttempt | HoldBack> {
    await this.firstConnection();
    const [bySource, byClient, trusted] = await Promise.all([
      this.bySource.get(source).catch(() => null),
      clientId ? this.byClient.get(clientId).catch(() => null) : null,
      clientId ? this.trusted(clientId, source) : false,
    ]);
    const sourceKey = `source:${source}`;
    const clientKey = `client:${clientId}`;
    // From here to the end of the admission nothing awaits: the checks and the in-flight count are one step.
    const sourceFailures = this.failures(bySource, sourceKey);
    if (sourceFailures.count >= this.limits.perSource) return { by: 'source', retryAfterSeconds: seconds(sourceFailures.resetsInMs) };
    if (!trusted && sourceFailures.count + this.inFlight(sourceKey) >= this.limits.perSource) return { by: 'source', retryAfterSeconds: 1 };
    if (clientId && !trusted) {
      const clientFailures = this.failures(byClient, clientKey);
      if (clientFailures.count >= this.limits.perClient) return { by: 'client', retryAfterSeconds: seconds(clientFailures.resetsInMs) };
      if (clientFailures.count + this.inFlight(clientKey) >= this.limits.perClient) return { by: 'client', retryAfterSeconds: 1 };
    }
    const counted = trusted ? [] : clientId ? [sourceKey, clientKey] : [sourceKey];
    for (const key of counted) this.pending.set(key, this.inFlight(key) + 1);
    let open = true;
    const close = () => {
      if (!open) return false;
      open = false;
      for (const key of counted) {
        const left = this.inFlight(key) - 1;
        if (left > 0) this.pending.set(key, left);
        else this.pending.delete(key);
      }
      return true;
    };
    return {
      failed: async () => {
        if (!open) return;
        // Counted here before it stops being in flight, so that no admission sees neither.
        this.countLocally(sourceKey);
        if (clientId) this.countLocally(clientKey);
        close();
        await Promise.all([this.bySource.penalty(source), clientId ? this.byClient.penalty(clientId) : null]).catch(() => undefined);
      },
      succeeded: () => {
        if (close() && clientId) this.trust(clientId, source);
      },
      abandoned: () => void close(),
    };
  }

  /**
   * Waits (bounded, once per replica) while the connection is being opened
   * for the first time. Later outages fall back to this replica's own counts
   * at once, and so does a connection that is not being opened at all.
   */
  private firstConnection(): Promise<void> {
    const status = this.redis.status;
    if (this.wasReady || (status !== 'connecting' && status !== 'connect')) return Promise.resolve();
    this.firstConnect ??= new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.redis.off('ready', done);
        resolve();
      };
      const timer = setTimeout(done, FIRST_CONNECT_WAIT_MS);
      this.redis.once('ready', done);
    });
    return this.firstConnect;
  }

  private inFlight(key: string): number {
    return this.pending.get(key) ?? 0;
  }

  /** The larger of the shared count and this replica's own, with when it resets. */
  private failures(shared: RateLimiterRes | null, key: string): { count: number; resetsInMs: number } {
    const now = Date.now();
    const local = this.localFailures.get(key);
    const localCount = local && local.until > now ? local.count : 0;
    if (shared && shared.consumedPoints >= localCount) return { count: shared.consumedPoints, resetsInMs: shared.msBeforeNext };
    return { count: localCount, resetsInMs: local ? local.until - now : 0 };
  }

  private countLocally(key: string): void {
    const now = Date.now();
    const entry = this.localFailures.get(key);
    if (entry && entry.until > now) entry.count += 1;
    else {
      if (this.localFailures.size >= MAX_LOCAL_COUNTS) this.localFailures.delete(this.localFailures.keys().next().value!);
      this.localFailures.set(key, { count: 1, until: now + this.limits.windowSeconds * 1000 });
    }
  }

  /** Remembers the pair without holding up the answer. */
  private trust(clientId: string, source: string): void {
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
