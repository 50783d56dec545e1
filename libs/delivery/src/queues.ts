import { markUnavailable, reasonOf } from '@drehscheibe/availability';
import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';

export enum QueueName {
  Deliveries = 'deliveries',
}

export enum JobName {
  Deliver = 'deliver',
  /** The handshake with a new or changed endpoint; job id `verify-<receiverId>`. */
  VerifyEndpoint = 'verify-endpoint',
}

export interface DeliverJob {
  deliveryId: string;
  /** Lets the worker check the receiver's slots before any query; absent in jobs from before it was added. */
  receiverId?: string;
}

export interface VerifyEndpointJob {
  receiverId: string;
}

/** What the deliveries queue carries, told apart by the job's name. */
export type HubJob = DeliverJob | VerifyEndpointJob;

/**
 * BullMQ key prefix. The braces are a Redis Cluster hash tag so all of a
 * queue's keys land in one slot.
 */
export function queuePrefix(prefix: string): string {
  return `{${prefix}}`;
}

/** Jobs are transport only; PostgreSQL keeps the record, so Redis keeps little. */
export const DELIVER_JOB_OPTIONS = {
  attempts: 1000,
  backoff: { type: 'delivery' },
  removeOnComplete: { age: 3600, count: 5000 },
  removeOnFail: { age: 24 * 3600, count: 5000 },
  stackTraceLimit: 1,
} as const;

/**
 * `forWorker`: blocking connections must retry forever (BullMQ requires
 * maxRetriesPerRequest null). Producers in the API fail fast instead, so a
 * Redis outage never holds a request open.
 */
export function createRedis(url: string, forWorker: boolean, logger?: Logger): Redis {
  const options: RedisOptions = forWorker
    ? { maxRetriesPerRequest: null, enableReadyCheck: true }
    : { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2000, commandTimeout: 2000 };
  const redis = new Redis(url, { ...options, lazyConnect: false, retryStrategy: (times) => Math.min(times * 200, 2000) });
  // Connection errors arrive as bare socket errors: marked at their source, so that whoever sees them
  // next (BullMQ re-emits them) can tell a Redis outage from a bug.
  redis.on('error', (e: unknown) => markUnavailable(e, 'redis'));
  if (logger) logOutages(redis, url, logger);
  return redis;
}

/**
 * Says once when Redis becomes unreachable (and why) and once when it is
 * back, instead of one line per reconnect attempt. Never logs the URL's
 * credentials.
 */
function logOutages(redis: Redis, url: string, logger: Logger): void {
  const parsed = new URL(url);
  const target = `${parsed.hostname}:${parsed.port || '6379'}`;
  let down = false;
  let since = 0;
  redis.on('error', (e: unknown) => {
    if (down) return;
    down = true;
    since = Date.now();
    logger.warn({ target, reason: reasonOf(e) }, 'Redis unreachable; reconnecting (deliveries wait in the outbox meanwhile)');
  });
  redis.on('ready', () => {
    if (!down) return;
    down = false;
    logger.info({ target, downMs: Date.now() - since }, 'Redis reachable again');
  });
}
