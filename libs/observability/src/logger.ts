import { pino, type Logger } from 'pino';

/**
 * Paths that may carry secrets or personal data. Logs never contain them;
 * request bodies are not logged at all.
 */
const REDACT = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'client_secret',
  'clientSecret',
  'requester',
  '*.requester',
  '*.client_secret',
  'password',
];

export function createLogger(options: { name: string; level?: string }): Logger {
  return pino({
    name: options.name,
    level: options.level ?? 'info',
    redact: { paths: REDACT, censor: '[redacted]' },
    base: { app: options.name },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}

export type { Logger };
