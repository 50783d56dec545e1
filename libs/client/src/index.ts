/**
 * A typed client for the Drehscheibe hub API, over the types generated from
 * the OpenAPI document (openapi-fetch over `paths`), with OAuth2
 * client-credentials tokens. Used by the tests and the simulator; the seed of
 * the client package for Land ticket systems. No framework, no test code.
 */
export { bearerAuth, createHubClient, type CredentialSource, type HubClient, type HubClientOptions } from './hub-client.js';
export { TOKEN_PATH, TokenCache, TokenRequestError, type ClientCredentials } from './token-cache.js';
export type { Middleware } from 'openapi-fetch';
export type { components, paths } from '@drehscheibe/contracts';
