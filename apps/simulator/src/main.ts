import { existsSync, readFileSync } from 'node:fs';
import { createLogger } from '@drehscheibe/observability';
import { createSimulator } from './simulator-app.js';

const port = Number(process.env.SIMULATOR_PORT ?? 3100);
const host = process.env.HOST ?? '127.0.0.1';
const hubUrl = process.env.HUB_URL ?? 'http://127.0.0.1:3000';
const credentialsFile = process.env.SIMULATOR_CREDENTIALS ?? '.data/demo-credentials.json';
const participants = (process.env.SIMULATOR_PARTICIPANTS ?? 'demo-mila,demo-bela')
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);
const autoAcknowledge = (process.env.SIMULATOR_AUTO_ACKNOWLEDGE ?? 'true') === 'true';

const logger = createLogger({ name: 'simulator', level: process.env.LOG_LEVEL ?? 'info' });
// Read on demand: the credentials may be (re)written after the simulator starts.
const credentials = (): Record<string, { clientId: string; clientSecret: string }> =>
  existsSync(credentialsFile) ? (JSON.parse(readFileSync(credentialsFile, 'utf8')) as Record<string, { clientId: string; clientSecret: string }>) : {};

const { app } = createSimulator({ hubUrl, participants, credentials, autoAcknowledge, logger });
await app.listen({ port, host });
logger.info({ url: `http://${host}:${port}`, participants }, 'simulator listening');
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => void app.close().then(() => process.exit(0)));
