export { loadConfig, ConfigError, type HubConfig } from './hub-config.js';
export { PERIOD_PATTERN, isPeriod, periodSeconds } from './duration.js';
