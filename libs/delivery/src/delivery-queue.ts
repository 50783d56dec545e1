import { DependencyUnavailableError, withTimeout } from '@drehscheibe/availability';
import type { DeliveryDispatcher, DeliveryRef } from '@drehscheibe/outbox';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { DeliveryStore } from './delivery-store.js';
import { DELIVER_JOB_OPTIONS, JobName, QueueName, queuePrefix, type DeliverJob, type HubJob } from './queues.js';

const ENQUEUE_TIMEOUT_MS = 2000;
const redisTimeout = () => new DependencyUnavailableError('redis', `Redis did not answer within ${ENQUEUE_TIMEOUT_MS} ms`);

/**
 * Producer side of the delivery queue. Job id = delivery id, so enqueuing
 * the same delivery twice (API and reconciler) yields one job.
 */
export class DeliveryQueue implements DeliveryDispatcher {
  readonly queue: Queue<HubJob>;

  constructor(
    private readonly connection: Redis,
    prefix: string,
    private readonly logger: Logger,
  ) {
    // Event streams are capped so Redis memory stays flat under sustained load.
    this.queue = new Queue<HubJob>(QueueName.Deliveries, { connection, prefix: queuePrefix(prefix), streams: { events: { maxLen: 1000 } } });
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
  ensure(delivery: DeliveryRef, releaseNow: boolean): Promise<'added' | 'present' | 'released'> {
    return this.ensureJob(JobName.Deliver, jobData(delivery), jobOptions(delivery), releaseNow);
  }

  /**
   * Asks the worker for the handshake with a receiver's endpoint (one job
   * per receiver at a time). The worker checks in PostgreSQL whether one is
   * due, so an extra request costs nothing.
   */
  async requestVerification(receiverId: string): Promise<void> {
    const jobId = `verify-${receiverId}`;
    await withTimeout(this.ensureJob(JobName.VerifyEndpoint, { receiverId }, { ...DELIVER_JOB_OPTIONS, jobId }, true), ENQUEUE_TIMEOUT_MS, redisTimeout);
  }

  private async ensureJob(name: JobName, data: HubJob, options: typeof DELIVER_JOB_OPTIONS & { jobId: string }, releaseNow: boolean) {
    const job = await this.queue.getJob(options.jobId);
    if (job) {
      const state = await job.getState();
      if (state === 'delayed' && releaseNow) {
        await job.promote().catch(() => undefined);
        return 'released';
      }
      if (state !== 'completed' && state !== 'failed' && state !== 'unknown') return 'present';
      await job.remove().catch(() => undefined);
    }
    await this.queue.add(name, data, options);
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

/**
 * Sends a receiver's pending deliveries now rather than at each waiting
 * job's next look (after a resume, or once its endpoint is verified).
 * Best effort: the reconciler finds what this misses.
 */
export async function releasePending(deliveries: DeliveryStore, queue: DeliveryQueue, receiverId: string): Promise<void> {
  const pending = await deliveries.pendingOf(receiverId, 1000);
  for (const id of pending) await queue.ensure({ id, receiverId }, true).catch(() => undefined);
}
const jobOptions = (d: DeliveryRef) => ({ ...DELIVER_JOB_OPTIONS, jobId: d.id });

/** Jobs per state, for metrics and health pages. */
export async function queueCounts(queue: DeliveryQueue): Promise<Record<string, number>> {
  return withTimeout(queue.queue.getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed', 'prioritized'), ENQUEUE_TIMEOUT_MS, redisTimeout);
}
