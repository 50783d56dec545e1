export { derivePriority, type Level, type Priority } from './priority.js';
export { DomainError, type DomainErrorCode } from './errors.js';
export {
  TICKET_STATUSES,
  allowedActions,
  assertOpenForContributions,
  transition,
  targetStatus,
  type TicketStatus,
  type TicketAction,
  type ActorRoles,
} from './lifecycle.js';
export { formatInstant, parseInstant } from './instant.js';
