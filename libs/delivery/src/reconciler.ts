import type { HubMetrics } from '@drehscheibe/observability';
import type { Logger } from 'pino';
import type { DeliveryQueue } from './delivery-queue.js';
import type { DeliveryStore } from './delivery-store.js';
import type { ReceiverEndpoints } from './endpoint-verification.js';
import type { ReceiverHealthStore } from './receiver-health-store.js';

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
    /** To find endpoints whose handshake is due (new, changed outside the API, or failed and due again). */
    private readonly endpoints?: { health: ReceiverHealthStore; receivers: ReceiverEndpoints },
  ) {}

  /** Asks for every due handshake; returns how many. A URL the receiver's row is not about starts afresh first. */
  async reconcileEndpoints(): Promise<number> {
    if (!this.endpoints) return 0;
    const due = await this.endpoints.health.verificationsDue(BATCH);
    for (const { receiverId, url, known } of due) {
      if (!known) await this.endpoints.receivers.noticed(receiverId, url);
      await this.queue.requestVerification(receiverId);
    }
    if (due.length > 0) this.logger.info({ receivers: due.map((d) => d.receiverId) }, 'endpoint handshakes requested');
    return due.length;
  }

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
