export { chooseAssignee, explicitTarget, ruleMatches, type RouteRequest, type RouteDecision, type RoutableParticipant, type RoutingRule } from './route.js';
