import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { FailedAuthLimiter, type AuthAttempt, type HoldBack } from './failed-auth-limiter.js';

/** A Redis client for a port nobody listens on: every command fails at once, as in a Redis outage. */
async function unreachableRedis(): Promise<Redis> {
  const port = await new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
  const redis = new Redis({ port, host: '127.0.0.1', lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
  redis.on('error', () => undefined);
  return redis;
}

const admitted = (a: AuthAttempt | HoldBack): a is AuthAttempt => !('retryAfterSeconds' in a);

describe('FailedAuthLimiter while Redis is unreachable', () => {
  let redis: Redis;
  beforeAll(async () => {
    redis = await unreachableRedis();
  });
  afterAll(() => redis.disconnect());

  it('still counts failures (in memory) and holds back after the limit, with the time left as Retry-After', async () => {
    const limiter = new FailedAuthLimiter(redis, 'test', { perClient: 2, perSource: 100, windowSeconds: 60 });
    for (let i = 0; i < 2; i++) {
      const attempt = await limiter.admit('c1', '10.0.0.1');
      if (!admitted(attempt)) throw new Error('held back too early');
      await attempt.failed();
    }
    const held = await limiter.admit('c1', '10.0.0.1');
    expect(held).toEqual({ by: 'client', retryAfterSeconds: expect.any(Number) as number });
    expect((held as HoldBack).retryAfterSeconds).toBeGreaterThan(55);
    expect(admitted(await limiter.admit('c2', '10.0.0.1'))).toBe(true);
  });

  it('exempts a source that authenticated the client before from that client id’s count', async () => {
    const limiter = new FailedAuthLimiter(redis, 'test', { perClient: 1, perSource: 100, windowSeconds: 60 });
    const first = await limiter.admit('c1', '10.0.0.1');
    if (!admitted(first)) throw new Error('held back');
    first.succeeded();
    const failure = await limiter.admit('c1', '10.0.0.2');
    if (!admitted(failure)) throw new Error('held back');
    await failure.failed();
    expect(admitted(await limiter.admit('c1', '10.0.0.2'))).toBe(false);
    expect(admitted(await limiter.admit('c1', '10.0.0.1'))).toBe(true);
  });

  it('counts attempts in flight, so a concurrent burst gets no more secret checks than the limit', async () => {
    const limiter = new FailedAuthLimiter(redis, 'test', { perClient: 3, perSource: 100, windowSeconds: 60 });
    const attempts = await Promise.all(Array.from({ length: 10 }, () => limiter.admit('c1', '10.0.0.3')));
    expect(attempts.filter(admitted)).toHaveLength(3);
    expect(attempts.filter((a) => !admitted(a))).toEqual(Array(7).fill({ by: 'client', retryAfterSeconds: 1 }));
    // An attempt that ends without a verdict (e.g. a database error) frees its place without counting.
    (attempts.find(admitted) as AuthAttempt).abandoned();
    expect(admitted(await limiter.admit('c1', '10.0.0.3'))).toBe(true);
  });
});
