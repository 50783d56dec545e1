export { derivePriority, type Level, type Priority } from './priority.js';
export { DomainError, type DomainErrorCode } from './errors.js';
export {
  TICKET_STATUSES,
  TICKET_OPERATIONS,
  LIFECYCLE_ROLES,
  allowedActions,
  allowedOperations,
  assertOpenForContributions,
  describeLifecycle,
  operationOf,
  planTransitions,
  transition,
  targetStatus,
  type TicketStatus,
  type TicketAction,
  type TicketOperation,
  type ActorRoles,
  type Lifecycle,
  type LifecycleEntry,
  type LifecycleRole,
  type LifecycleStep,
} from './lifecycle.js';
export { formatInstant, parseInstant } from './instant.js';
