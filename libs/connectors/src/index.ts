export { DEFAULT_CONNECTOR_SETTINGS, type ConnectorAuth, type ConnectorConfig, type ConnectorKind, type ConnectorSettings } from './connector-config.js';
export { SystemError, type PollResult, type SystemChange, type SystemConnector, type WriteOutcome } from './system-connector.js';
