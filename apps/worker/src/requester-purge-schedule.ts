import type { HubConfig } from '@drehscheibe/config';
import { deliveryRequesterCopies } from '@drehscheibe/delivery';
import { idempotencyRequesterCopies } from '@drehscheibe/idempotency';
import type { Logger } from '@drehscheibe/observability';
import { RequesterPurge } from '@drehscheibe/tickets';
import { schedulePeriodic } from './periodic-job.js';
import type { WorkerTickets } from './ticket-runtime.js';

/** Tickets purged per transaction, and transactions per run at most (the timer comes back for the rest). */
const PURGE_BATCH = 200;
const PURGE_MAX_BATCHES = 10;

/** The retention purge on a connected database, with every place outside the tickets table that may copy the requester. */
export function createRequesterPurge(config: HubConfig, { store }: WorkerTickets): RequesterPurge {
  return new RequesterPurge(store, [idempotencyRequesterCopies, deliveryRequesterCopies], {
    retention: config.personalData.retention,
    batchSize: PURGE_BATCH,
    maxBatches: PURGE_MAX_BATCHES,
  });
}

/**
 * Runs the purge at once and then every REQUESTER_PURGE_INTERVAL_MS; several
 * workers take disjoint batches (SKIP LOCKED). Logs counts only, never data.
 */
export function scheduleRequesterPurge(purge: RequesterPurge, intervalMs: number, logger: Logger): { close(): Promise<void> } {
  return schedulePeriodic(
    'requester purge run',
    intervalMs,
    logger,
    async () => {
      const { purged } = await purge.runOnce();
      return purged > 0 ? { message: 'purged the requester data of tickets whose retention passed', fields: { purged } } : null;
    },
    { atStart: true },
  );
}
