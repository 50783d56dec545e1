export { ParticipantRegistry } from './participant-registry.js';
export { ServiceCatalog } from './service-catalog.js';
export { RoutingRuleBook } from './routing-rule-book.js';
export type { Participant, Service, RoutingRule } from './views.js';
