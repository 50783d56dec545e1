import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@drehscheibe/config';
import { createLogger } from '@drehscheibe/observability';
import { createDataSource } from '@drehscheibe/persistence';
import { createHubApp } from '../../apps/hub-api/src/hub-app.js';
import { seedDemo, type DemoCredentials } from '../../apps/hub-cli/src/demo-seed.js';
import { ApiClient } from './api-client.js';
import { createTestDatabase, type TestDatabase } from './database.js';
import { hubEnvironment, testServers } from './environment.js';

export interface InProcessHub {
  url: string;
  /** The separate metrics listener (API_METRICS_PORT), when configured. */
  metricsUrl?: string;
  api: ApiClient;
  db: TestDatabase;
  credentials: DemoCredentials;
  routes: string[];
  close(): Promise<void>;
}

export interface InProcessHubOptions {
  /** Rewrites the URL the hub uses for PostgreSQL or Redis (e.g. through a TcpProxy); seeding and `db` use the direct one. */
  databaseUrl?: (url: string) => string;
  redisUrl?: (url: string) => string;
  /** Run on this database (seeded before, with these credentials) instead of a fresh one; `close` leaves it. */
  reuse?: { db: TestDatabase; credentials: DemoCredentials };
}

/**
 * The API application in this process, listening on a real port, on a fresh
 * database with the demo participants. No worker: deliveries stay queued.
 * Resolves once the API is connected to its database (ready).
 */
export async function startInProcessHub(
  simulatorUrl = 'http://127.0.0.1:9',
  env: Record<string, string> = {},
  options: InProcessHubOptions = {},
): Promise<InProcessHub> {
  const redisUrl = (options.redisUrl ?? ((u) => u))(testServers().redisUrl);
  const { db, credentials } = options.reuse ?? (await seededDatabase(simulatorUrl));

  const config = loadConfig(hubEnvironment((options.databaseUrl ?? ((u) => u))(db.url), redisUrl, { PORT: '0', ...env }));
  const logger = createLogger({ name: 'hub-api-test', level: config.logLevel });
  const { app, routes, database, metricsPort } = await createHubApp(config, logger);
  await app.listen(0, '127.0.0.1');
  await database.connect();
  const address = app.getHttpServer().address() as { port: number };
  const url = `${config.tls.certFile ? 'https' : 'http'}://127.0.0.1:${address.port}`;
  return {
    url,
    metricsUrl: metricsPort ? `http://127.0.0.1:${metricsPort}` : undefined,
    api: new ApiClient(url, credentials),
    db,
    credentials,
    routes,
    async close() {
      await app.close();
      if (!options.reuse) await db.drop();
    },
  };
}

/** A fresh database with the demo participants, for hubs started with `reuse`. */
export async function seededDatabase(simulatorUrl: string): Promise<{ db: TestDatabase; credentials: DemoCredentials }> {
  const db = await createTestDatabase();
  const credentialsFile = join(mkdtempSync(join(tmpdir(), 'hub-test-')), 'credentials.json');
  const seedSource = await createDataSource({ url: db.url, poolSize: 1 }).initialize();
  const credentials = await seedDemo(seedSource, { credentialsFile, simulatorUrl });
  await seedSource.destroy();
  return { db, credentials };
}
