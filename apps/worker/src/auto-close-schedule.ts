import { reasonOf } from '@drehscheibe/availability';
import type { HubConfig } from '@drehscheibe/config';
import type { Logger } from '@drehscheibe/observability';
import { AutoClose } from '@drehscheibe/tickets';
import type { WorkerTickets } from './ticket-runtime.js';

/** Tickets one run closes at most; more due ones wait for the next run. */
const AUTO_CLOSE_BATCH = 200;

/** The auto-close job on a connected database: the ticket store and command runner as the API has them, the worker's queue as dispatcher. */
export function createAutoClose(config: HubConfig, { store, runner }: WorkerTickets): AutoClose {
  return new AutoClose(store, runner, { defaultAfter: config.autoClose.after, batchSize: AUTO_CLOSE_BATCH });
}

/**
 * Runs the job every AUTO_CLOSE_INTERVAL_MS, never two runs of this process
 * at once (runs of several workers may overlap: each ticket closes once).
 * A failed run (PostgreSQL away) is logged and the next one tries again.
 */
export function scheduleAutoClose(autoClose: AutoClose, intervalMs: number, logger: Logger): { close(): Promise<void> } {
  let running: Promise<void> | undefined;
  const timer = setInterval(() => {
    if (running) return;
    running = autoClose
      .runOnce()
      .then(({ closed }) => {
        if (closed > 0) logger.info({ closed }, 'closed resolved tickets whose auto-close period passed');
      })
      .catch((e) => logger.warn({ err: reasonOf(e) }, 'auto-close run failed'))
      .finally(() => (running = undefined));
  }, intervalMs);
  return {
    async close() {
      clearInterval(timer);
      await running;
    },
  };
}
