import 'reflect-metadata';
import { ConfigError, loadConfig } from '@drehscheibe/config';
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
  logger.info({ concurrency: config.delivery.concurrency }, 'worker started');
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

void main();
