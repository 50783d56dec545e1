export { loadConfig, ConfigError, type HubConfig } from './hub-config.js';
