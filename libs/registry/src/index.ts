export { ParticipantRegistry } from './participant-registry.js';
export { ServiceCatalog } from './service-catalog.js';
export { RoutingRuleBook } from './routing-rule-book.js';
export { ClientRegistry, type Client, type RotatedClientSecret } from './client-registry.js';
export {
  ClientAuthenticator,
  ClientStatusCache,
  revocationReason,
  assertionClientId,
  type AssertionReplayGuard,
  type ClientAuthentication,
  type ClientStatus,
} from './client-access.js';
export type { Participant, Service, RoutingRule } from './views.js';
export { RegistryDirectory, type RoutingContext } from './registry-directory.js';
export { PARTICIPANT_REFERENCES, type ParticipantReferences } from './participant-references.js';
export { ENDPOINT_CHANGES, type EndpointChanges } from './endpoint-changes.js';
export { HUB_PARTICIPANT_ID } from './hub-participant.js';
export { DeliverySecrets, DEFAULT_SIGNATURE_SCHEME, deliverySecretEncryptedColumns, type DeliverySignature } from './delivery-secrets.js';
export { ClientKeyRegistry, MAX_CLIENT_KEYS, type ClientKey } from './client-keys.js';
export { IdentityProviderRegistry, type IdentityProvider } from './identity-providers.js';
export { ExternalTokenAuthenticator, mappedScopes } from './external-tokens.js';
