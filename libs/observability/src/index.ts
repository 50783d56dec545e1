export { createLogger, type Logger } from './logger.js';
export { PinoNestLogger } from './nest-logger.js';
export { HubMetrics } from './metrics.js';
export { serveOperations, portOf, type Readiness } from './operations-server.js';
export { runService, type StartedService } from './service-main.js';
