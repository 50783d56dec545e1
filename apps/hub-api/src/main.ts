import 'reflect-metadata';
import { runService } from '@drehscheibe/observability';
import { createHubApp } from './hub-app.js';

runService('hub-api', async (config, logger) => {
  const { app, database, metricsPort } = await createHubApp(config, logger);
  // Listen at once: health checks answer while PostgreSQL is still on its way (every other route: 503).
  await app.listen(config.http.port, config.http.host);
  logger.info({ url: config.http.publicUrl, docs: `${config.http.publicUrl}/docs`, metricsPort }, 'hub-api listening');
  return {
    ready: database.connect().then(() => logger.info('hub-api ready: database connected')),
    failure: 'hub-api cannot use its database',
  };
});
