export { createLogger, type Logger } from './logger.js';
export { PinoNestLogger } from './nest-logger.js';
export { HubMetrics } from './metrics.js';
export { serveOperations, portOf, checkDependency, type OperationsEndpoints, type Readiness, type CheckState } from './operations-server.js';
