export { loadConfig, ConfigError, type HubConfig, type TlsConfig, type TlsClientAuth } from './hub-config.js';
export { PERIOD_PATTERN, isPeriod, periodSeconds } from './duration.js';
