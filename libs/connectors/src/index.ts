export { DEFAULT_CONNECTOR_SETTINGS, type ConnectorAuth, type ConnectorConfig, type ConnectorKind, type ConnectorSettings } from './connector-config.js';
export { SystemError, type PollResult, type SystemChange, type SystemConnector, type WriteContext, type WriteOutcome } from './system-connector.js';
export { ConnectorStates, LeaseLost, type CycleFigures, type ResumePoint } from './connector-states.js';
export { ConnectorSession, ConnectorFault, type ConnectorPorts } from './connector-session.js';
export { ConnectorRuntime, causeOf, type ConnectorSource, type RuntimeOptions } from './connector-runtime.js';
export { outboundSteps, type OutboundStep } from './outbound-steps.js';
export { Rt5Connector } from './rt5/rt5-connector.js';
export { SystemHttp, authHeader, type RequestObserver } from './http/system-http.js';
export { toConnectorConfig } from './enabled-connectors.js';
export { requestJson, type HttpFetch, type JsonRequest, type JsonResponse } from './http/json-http.js';
export { ECHO_TICKETS_KEY, RestConnector, type RestConnectorOptions } from './rest/rest-connector.js';
export {
  ConnectorConfigs,
  connectorEncryptedColumns,
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
