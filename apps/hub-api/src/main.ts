import 'reflect-metadata';
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
  const { app } = await createHubApp(config, logger);
  await app.listen(config.http.port, config.http.host);
  logger.info({ url: config.http.publicUrl, docs: `${config.http.publicUrl}/docs` }, 'hub-api listening');
}

void main();
