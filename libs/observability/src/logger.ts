import { pino, type DestinationStream, type Logger } from 'pino';

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
  // A failed statement's error carries its parameters (TypeORM) and the row it
  // could not write ("Failing row contains (...)"): ticket text, contacts.
  'err.parameters',
  'err.detail',
  'err.driverError.parameters',
  'err.driverError.detail',
];

/** `destination`: where the JSON lines go (default stdout). */
export function createLogger(options: { name: string; level?: string }, destination?: DestinationStream): Logger {
  const settings = {
    name: options.name,
    level: options.level ?? 'info',
    redact: { paths: REDACT, censor: '[redacted]' },
    base: { app: options.name },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return destination ? pino(settings, destination) : pino(settings);
}

export type { Logger };
