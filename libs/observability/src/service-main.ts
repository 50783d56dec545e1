import { RetryAborted } from '@drehscheibe/availability';
import { ConfigError, loadConfig, type HubConfig } from '@drehscheibe/config';
import { createLogger, type Logger } from './logger.js';

/** What a long-running process's start hands back. */
export interface StartedService {
  /** Settles once the service can do its work (its dependencies reached); it logs that itself. */
  ready: Promise<void>;
  /** The fatal log line when `ready` rejects with a fault that waiting cannot mend. */
  failure: string;
}

/** sysexits.h EX_CONFIG: the process refuses to start on a bad variable (docs/operations.md). */
const EXIT_CONFIG = 78;

/**
 * The `main()` of the API and the worker: reads the configuration once (a
 * missing or malformed variable ends the process with 78 and says which),
 * makes the process's logger, and starts the service. The service may start
 * before PostgreSQL and Redis; when it then finds a fault that waiting cannot
 * mend, the process ends with 1 — unless it was stopped while waiting.
 */
export function runService(name: string, start: (config: HubConfig, logger: Logger) => Promise<StartedService>): void {
  const main = async () => {
    let config: HubConfig;
    try {
      config = loadConfig();
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      console.error(e.message);
      process.exit(EXIT_CONFIG);
    }
    const logger = createLogger({ name, level: config.logLevel });
    if (config.delivery.allowPrivateEndpoints) {
      logger.warn(
        { setting: 'ALLOW_PRIVATE_ENDPOINTS' },
        'ALLOW_PRIVATE_ENDPOINTS=true: delivery endpoints on loopback, private and link-local addresses are allowed — for the demo and tests only, never in production (SSRF)',
      );
    }
    const { ready, failure } = await start(config, logger);
    ready.catch((e: unknown) => {
      if (e instanceof RetryAborted) return; // stopped while waiting
      logger.fatal({ err: e }, failure);
      process.exit(1);
    });
  };
  main().catch((e: unknown) => {
    // A setting that only the service can check (e.g. the API's TLS files) is a configuration fault too.
    if (e instanceof ConfigError) {
      console.error(e.message);
      process.exit(EXIT_CONFIG);
    }
    console.error(e);
    process.exit(1);
  });
}
