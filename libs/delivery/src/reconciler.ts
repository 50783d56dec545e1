import type { HubMetrics } from '@drehscheibe/observability';
import type { Logger } from 'pino';
import type { DeliveryQueue } from './delivery-queue.js';
import type { DeliveryStore } from './delivery-store.js';

const BATCH = 500;

/**
 * Finds deliveries that are due but have no live job — Redis restarted
 * without data, was flushed, or the API crashed between commit and enqueue —
 * and enqueues them again. Job ids are delivery ids, so this never doubles a job.
 */
export class DeliveryReconciler {
  constructor(
    private readonly deliveries: DeliveryStore,
    private readonly queue: DeliveryQueue,
    private readonly logger: Logger,
    /** How long past due a delivery may be before it counts as lost. */
    private readonly graceMs: number,
    private readonly metrics?: HubMetrics,
  ) {}

  async reconcileOnce(): Promise<number> {
    const due = await this.deliveries.due(new Date(Date.now() - this.graceMs), BATCH);
    let added = 0;
    for (const { id, receiverId } of due) {
      if ((await this.queue.ensure({ id, receiverId }, false)) === 'added') {
        added += 1;
        this.metrics?.reconcilerReEnqueued.inc();
      }
    }
    if (added > 0) this.logger.info({ added, scanned: due.length }, 'reconciler re-enqueued lost deliveries');
    return added;
  }
}
