import { reasonOf } from '@drehscheibe/availability';
import type { HubConfig } from '@drehscheibe/config';
import { deliveryRequesterCopies } from '@drehscheibe/delivery';
import { idempotencyRequesterCopies } from '@drehscheibe/idempotency';
import type { Logger } from '@drehscheibe/observability';
import { RequesterPurge } from '@drehscheibe/tickets';
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
 * Runs the purge at once and then every REQUESTER_PURGE_INTERVAL_MS, never
 * two runs of this process at once; several workers take disjoint batches
 * (SKIP LOCKED). A failed run is logged (no personal data: counts only) and
 * the next one tries again.
 */
export function scheduleRequesterPurge(purge: RequesterPurge, intervalMs: number, logger: Logger): { close(): Promise<void> } {
  let running: Promise<void> | undefined;
  const run = () => {
    if (running) return;
    running = purge
      .runOnce()
      .then(({ purged }) => {
        if (purged > 0) logger.info({ purged }, 'purged the requester data of tickets whose retention passed');
      })
      .catch((e) => logger.warn({ err: reasonOf(e) }, 'requester purge run failed'))
      .finally(() => (running = undefined));
  };
  const timer = setInterval(run, intervalMs);
  run();
  return {
    async close() {
      clearInterval(timer);
      await running;
    },
  };
}
