import { reasonOf } from '@drehscheibe/availability';
import type { HubConfig } from '@drehscheibe/config';
import type { Logger } from '@drehscheibe/observability';
import { OutboxWriter, type DeliveryDispatcher } from '@drehscheibe/outbox';
import { FieldCipher } from '@drehscheibe/security';
import { AutoClose, TicketCommandRunner, TicketPresenter, TicketStore } from '@drehscheibe/tickets';
import type { DataSource } from 'typeorm';

/** Tickets one run closes at most; more due ones wait for the next run. */
const AUTO_CLOSE_BATCH = 200;

/** The auto-close job on a connected database: the ticket store and command runner as the API has them, the worker's queue as dispatcher. */
export function createAutoClose(config: HubConfig, dataSource: DataSource, dispatcher: DeliveryDispatcher): AutoClose {
  const store = new TicketStore(dataSource);
  const runner = new TicketCommandRunner(store, new TicketPresenter(new FieldCipher(config.keys.dataKey)), new OutboxWriter(), dispatcher);
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
