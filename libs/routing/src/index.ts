export { chooseAssignee, type RouteRequest, type RoutableParticipant } from './route.js';
