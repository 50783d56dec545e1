import { randomBytes } from 'node:crypto';

/** Set by scripts/test.mjs: a server-level PostgreSQL URL and a Redis URL. */
export function testServers(): { databaseUrl: string; redisUrl: string } {
  const databaseUrl = process.env.TEST_DATABASE_URL;
  const redisUrl = process.env.TEST_REDIS_URL;
  if (!databaseUrl || !redisUrl) {
    throw new Error('TEST_DATABASE_URL and TEST_REDIS_URL are not set: run the tests with `npm test` (pass a file pattern after --)');
  }
  return { databaseUrl, redisUrl };
}

export const ed25519SecretKey = () => 'whsk_' + randomBytes(32).toString('base64');

/** A complete hub environment for one test file: fresh keys, own queue prefix. */
export function hubEnvironment(databaseUrl: string, redisUrl: string, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: 'test',
    DATABASE_URL: databaseUrl,
    REDIS_URL: redisUrl,
    QUEUE_PREFIX: `test-${randomBytes(4).toString('hex')}`,
    HUB_TOKEN_SIGNING_KEY: ed25519SecretKey(),
    HUB_WEBHOOK_SIGNING_KEY: ed25519SecretKey(),
    HUB_DATA_KEY: randomBytes(32).toString('base64'),
    ALLOW_PRIVATE_ENDPOINTS: 'true',
    // An in-process worker serves no operations port unless a test asks for one: the default 3001 is one port for all parallel test files.
    WORKER_PORT: '0',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
    // Tests drive many requests per participant; the rate-limit tests set their own small limits.
    RATE_LIMIT_REQUESTS: '100000',
    ...overrides,
  };
}
