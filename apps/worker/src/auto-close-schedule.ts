import type { HubConfig } from '@drehscheibe/config';
import type { Logger } from '@drehscheibe/observability';
import { AutoClose } from '@drehscheibe/tickets';
import { schedulePeriodic } from './periodic-job.js';
import type { WorkerTickets } from './ticket-runtime.js';

/** Tickets one run closes at most; more due ones wait for the next run. */
const AUTO_CLOSE_BATCH = 200;

/** The auto-close job on a connected database: the ticket store and command runner as the API has them, the worker's queue as dispatcher. */
export function createAutoClose(config: HubConfig, { store, runner }: WorkerTickets): AutoClose {
  return new AutoClose(store, runner, { defaultAfter: config.autoClose.after, batchSize: AUTO_CLOSE_BATCH });
}

/** Runs the job every AUTO_CLOSE_INTERVAL_MS; each ticket closes once even when workers' runs overlap. */
export function scheduleAutoClose(autoClose: AutoClose, intervalMs: number, logger: Logger): { close(): Promise<void> } {
  return schedulePeriodic('auto-close run', intervalMs, logger, async () => {
    const { closed } = await autoClose.runOnce();
    return closed > 0 ? { message: 'closed resolved tickets whose auto-close period passed', fields: { closed } } : null;
  });
}
