import 'reflect-metadata';
import { ConfigError, loadConfig } from '@drehscheibe/config';
import { RetryAborted } from '@drehscheibe/availability';
import { createLogger } from '@drehscheibe/observability';
import { startDeliveryWorker } from './delivery-worker.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(e.message);
      process.exit(78);
    }
    throw e;
  }
  const logger = createLogger({ name: 'worker', level: config.logLevel });
  const handle = await startDeliveryWorker(config, logger);
  logger.info({ operationsPort: handle.operationsPort }, 'worker waiting for PostgreSQL and Redis');
  handle.started.then(
    () => logger.info({ concurrency: config.delivery.concurrency }, 'worker started'),
    (e: unknown) => {
      if (e instanceof RetryAborted) return; // stopped while waiting
      logger.fatal({ err: e }, 'worker cannot start');
      process.exit(1);
    },
  );
  const shutdown = async (signal: string) => {
    logger.info({ signal }, 'worker stopping');
    // Never hang on a dependency that is already gone: PostgreSQL is the record, nothing is lost.
    setTimeout(() => process.exit(1), 10_000).unref();
    await handle.stop().catch((e) => logger.error({ err: e }, 'worker stop failed'));
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
