import 'reflect-metadata';
import { runService } from '@drehscheibe/observability';
import { startConnectors } from './connectors-process.js';

/*
 * The connectors process, wired by hand like the worker: it has no routes;
 * its parts are the framework-free library classes. Run as many replicas as
 * you like: each participant's system is worked by the one replica that
 * holds its lease.
 */
runService('connectors', async (config, logger) => {
  const handle = await startConnectors(config, logger);
  logger.info({ operationsPort: handle.operationsPort }, 'connectors waiting for PostgreSQL and Redis');
  const shutdown = async (signal: string) => {
    logger.info({ signal }, 'connectors stopping');
    setTimeout(() => process.exit(1), 10_000).unref();
    await handle.stop().catch((e) => logger.error({ err: e }, 'connectors stop failed'));
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
  return {
    ready: handle.started.then(() => logger.info({ owner: handle.owner }, 'connectors started')),
    failure: 'connectors cannot start',
  };
});
