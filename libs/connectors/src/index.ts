export { DEFAULT_CONNECTOR_SETTINGS, type ConnectorAuth, type ConnectorConfig, type ConnectorKind, type ConnectorSettings } from './connector-config.js';
export { SystemError, type PollResult, type SystemChange, type SystemConnector, type WriteOutcome } from './system-connector.js';
export {
  ConnectorConfigs,
  connectorHealth,
  FAILING_AFTER_FAILURES,
  STALE_AFTER_POLL_INTERVALS,
  type ConnectorAuthInput,
  type ConnectorAuthView,
  type ConnectorHealth,
  type ConnectorInput,
  type ConnectorStateView,
  type ConnectorStatus,
  type ConnectorView,
} from './connector-configs.js';
