import 'reflect-metadata';
import { RetryAborted } from '@drehscheibe/availability';
import { ConfigError, loadConfig } from '@drehscheibe/config';
import { createLogger } from '@drehscheibe/observability';
import { createHubApp } from './hub-app.js';

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
  const logger = createLogger({ name: 'hub-api', level: config.logLevel });
  const { app, database, metricsPort } = await createHubApp(config, logger);
  // Listen at once: health checks answer while PostgreSQL is still on its way (every other route: 503).
  await app.listen(config.http.port, config.http.host);
  logger.info({ url: config.http.publicUrl, docs: `${config.http.publicUrl}/docs`, metricsPort }, 'hub-api listening');
  database.connect().then(
    () => logger.info('hub-api ready: database connected'),
    (e: unknown) => {
      if (e instanceof RetryAborted) return; // shutting down while waiting
      logger.fatal({ err: e }, 'hub-api cannot use its database');
      process.exit(1);
    },
  );
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
