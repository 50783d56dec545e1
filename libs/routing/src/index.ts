export { chooseAssignee, explicitTarget, type RouteRequest, type RoutableParticipant } from './route.js';
