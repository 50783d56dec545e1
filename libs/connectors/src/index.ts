export { DEFAULT_CONNECTOR_SETTINGS, type ConnectorAuth, type ConnectorConfig, type ConnectorKind, type ConnectorSettings } from './connector-config.js';
export { SystemError, type PollResult, type SystemChange, type SystemConnector, type WriteOutcome } from './system-connector.js';
export { authHeaders } from './http/auth-headers.js';
export { requestJson, type HttpFetch, type JsonRequest, type JsonResponse } from './http/json-http.js';
export { ECHO_TICKETS_KEY, RestConnector, type RestConnectorOptions } from './rest/rest-connector.js';
