import { DependencyUnavailableError, withTimeout } from '@drehscheibe/availability';
import type { DeliveryDispatcher, DeliveryRef } from '@drehscheibe/outbox';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { DELIVER_JOB_OPTIONS, JobName, QueueName, queuePrefix, type DeliverJob } from './queues.js';

const ENQUEUE_TIMEOUT_MS = 2000;
const redisTimeout = () => new DependencyUnavailableError('redis', `Redis did not answer within ${ENQUEUE_TIMEOUT_MS} ms`);

/**
 * Producer side of the delivery queue. Job id = delivery id, so enqueuing
 * the same delivery twice (API and reconciler) yields one job.
 */
export class DeliveryQueue implements DeliveryDispatcher {
  readonly queue: Queue<DeliverJob>;

  constructor(
    private readonly connection: Redis,
    prefix: string,
    private readonly logger: Logger,
  ) {
    // Event streams are capped so Redis memory stays flat under sustained load.
    this.queue = new Queue<DeliverJob>(QueueName.Deliveries, { connection, prefix: queuePrefix(prefix), streams: { events: { maxLen: 1000 } } });
    // A Redis outage is reported by the readiness check; the queue's own error events would only repeat it.
    this.queue.on('error', () => undefined);
  }

  /** Best effort: the rows are committed already; the reconciler sends what this misses. */
  async dispatch(deliveries: DeliveryRef[]): Promise<void> {
    if (deliveries.length === 0) return;
    try {
      // One delivery (the common case) is one Lua call; addBulk would wrap it in a MULTI.
      const add: Promise<unknown> =
        deliveries.length === 1
          ? this.queue.add(JobName.Deliver, jobData(deliveries[0]), jobOptions(deliveries[0]))
          : this.queue.addBulk(deliveries.map((d) => ({ name: JobName.Deliver, data: jobData(d), opts: jobOptions(d) })));
      await withTimeout(add, ENQUEUE_TIMEOUT_MS, redisTimeout);
    } catch (e) {
      this.logger.warn({ err: (e as Error).message, count: deliveries.length }, 'enqueue failed; the reconciler will pick the deliveries up');
    }
  }

  /**
   * Makes sure a job exists for a pending delivery: releases a delayed one
   * now, replaces a finished one, adds a missing one.
   */
  async ensure(delivery: DeliveryRef, releaseNow: boolean): Promise<'added' | 'present' | 'released'> {
    const job = await this.queue.getJob(delivery.id);
    if (job) {
      const state = await job.getState();
      if (state === 'delayed' && releaseNow) {
        await job.promote().catch(() => undefined);
        return 'released';
      }
      if (state !== 'completed' && state !== 'failed' && state !== 'unknown') return 'present';
      await job.remove().catch(() => undefined);
    }
    await this.queue.add(JobName.Deliver, jobData(delivery), jobOptions(delivery));
    return 'added';
  }

  /**
   * Fails fast with "Redis unreachable" before an operation that must not
   * half-happen without it (an operator's retry or replay): cheaper to ask
   * than to write the database and then find the queue gone.
   */
  async assertReachable(): Promise<void> {
    try {
      await withTimeout(this.connection.ping(), ENQUEUE_TIMEOUT_MS, redisTimeout);
    } catch (e) {
      throw new DependencyUnavailableError('redis', 'the delivery queue (Redis) cannot be reached', { cause: e });
    }
  }

  close(): Promise<void> {
    return this.queue.close();
  }
}

const jobData = (d: DeliveryRef): DeliverJob => ({ deliveryId: d.id, receiverId: d.receiverId });
const jobOptions = (d: DeliveryRef) => ({ ...DELIVER_JOB_OPTIONS, jobId: d.id });

/** Jobs per state, for metrics and health pages. */
export async function queueCounts(queue: DeliveryQueue): Promise<Record<string, number>> {
  return withTimeout(queue.queue.getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed', 'prioritized'), ENQUEUE_TIMEOUT_MS, redisTimeout);
}
