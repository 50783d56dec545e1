import { Redis, type RedisOptions } from 'ioredis';

export enum QueueName {
  Deliveries = 'deliveries',
}

export enum JobName {
  Deliver = 'deliver',
}

export interface DeliverJob {
  deliveryId: string;
  /** Lets the worker check the receiver's slots before any query; absent in jobs from before it was added. */
  receiverId?: string;
}

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
export function createRedis(url: string, forWorker: boolean): Redis {
  const options: RedisOptions = forWorker
    ? { maxRetriesPerRequest: null, enableReadyCheck: true }
    : { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2000, commandTimeout: 2000 };
  return new Redis(url, { ...options, lazyConnect: false, retryStrategy: (times) => Math.min(times * 200, 2000) });
}
