import 'reflect-metadata';
import { runService } from '@drehscheibe/observability';
import { startDeliveryWorker } from './delivery-worker.js';

/*
 * The worker is wired by hand (startDeliveryWorker), not as a Nest
 * application like the API, on purpose: it has no routes, guards or
 * interceptors, which is what Nest's container serves; its parts are the
 * framework-free library classes, given plain values; and it builds its
 * consumer only once PostgreSQL is reachable, which a container that makes
 * every provider at start-up would hide. Its whole object graph is one
 * function to read.
 */
runService('worker', async (config, logger) => {
  const handle = await startDeliveryWorker(config, logger);
  logger.info({ operationsPort: handle.operationsPort }, 'worker waiting for PostgreSQL and Redis');
  const shutdown = async (signal: string) => {
    logger.info({ signal }, 'worker stopping');
    // Never hang on a dependency that is already gone: PostgreSQL is the record, nothing is lost.
    setTimeout(() => process.exit(1), 10_000).unref();
    await handle.stop().catch((e) => logger.error({ err: e }, 'worker stop failed'));
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
  return {
    ready: handle.started.then(() => logger.info({ concurrency: config.delivery.concurrency }, 'worker started')),
    failure: 'worker cannot start',
  };
});
