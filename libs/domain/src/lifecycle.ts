import { DomainError } from './errors.js';

export const TICKET_STATUSES = [
  'new',
  'forwarded',
  'acknowledged',
  'rejected',
  'in_progress',
  'waiting',
  'resolved',
  'closed',
  'cancelled',
] as const;
export type TicketStatus = (typeof TICKET_STATUSES)[number];

/** What a participant can do to a ticket; each action has its own API operation. */
export type TicketAction =
  | 'acknowledge'
  | 'reject'
  | 'start'
  | 'wait'
  | 'resolve'
  | 'forward'
  | 'route'
  | 'close'
  | 'reopen'
  | 'cancel';

interface Transition {
  from: readonly TicketStatus[];
  /** Who may take the action: the current assignee works the ticket, the origin owns it. */
  by: 'origin' | 'assignee';
  to: TicketStatus;
}

/**
 * The status state machine (DESIGN.md section 5). `start` from `forwarded`
 * is an implicit acknowledgement; `route` is the origin sending a rejected
 * ticket elsewhere; `reopen` hands the ticket back to its last resolver.
 */
const TRANSITIONS: Record<TicketAction, Transition> = {
  acknowledge: { from: ['forwarded'], by: 'assignee', to: 'acknowledged' },
  reject: { from: ['forwarded', 'acknowledged'], by: 'assignee', to: 'rejected' },
  start: { from: ['forwarded', 'acknowledged', 'waiting'], by: 'assignee', to: 'in_progress' },
  wait: { from: ['acknowledged', 'in_progress'], by: 'assignee', to: 'waiting' },
  resolve: { from: ['acknowledged', 'in_progress', 'waiting'], by: 'assignee', to: 'resolved' },
  forward: { from: ['acknowledged', 'in_progress'], by: 'assignee', to: 'forwarded' },
  route: { from: ['new', 'rejected'], by: 'origin', to: 'forwarded' },
  close: { from: ['resolved'], by: 'origin', to: 'closed' },
  reopen: { from: ['resolved', 'closed'], by: 'origin', to: 'in_progress' },
  cancel: { from: ['new', 'forwarded', 'acknowledged', 'in_progress', 'waiting', 'rejected'], by: 'origin', to: 'cancelled' },
};

const ACTIONS = Object.keys(TRANSITIONS) as TicketAction[];

/**
 * Roles a participant holds on a ticket. The origin can also be the assignee
 * (after resolution the ticket returns to it), so roles are a set.
 */
export interface ActorRoles {
  isOrigin: boolean;
  isAssignee: boolean;
}

function permits(t: Transition, roles: ActorRoles): boolean {
  return t.by === 'origin' ? roles.isOrigin : roles.isAssignee;
}

/** Actions this actor may take on a ticket in `status`, for 409 answers and clients' menus. */
export function allowedActions(status: TicketStatus, roles: ActorRoles): TicketAction[] {
  return ACTIONS.filter((a) => TRANSITIONS[a].from.includes(status) && permits(TRANSITIONS[a], roles));
}

/**
 * Checks an action against the state machine and returns the new status.
 * Throws `forbidden` when the actor's role does not allow the action at all,
 * `illegal-transition` (with the allowed actions) when the status does not.
 */
export function transition(status: TicketStatus, action: TicketAction, roles: ActorRoles): TicketStatus {
  const rule = TRANSITIONS[action];
  if (!permits(rule, roles)) {
    throw new DomainError('forbidden', `only the ticket's ${rule.by} may ${action} it`, { action });
  }
  if (!rule.from.includes(status)) {
    throw new DomainError('illegal-transition', `cannot ${action} a ticket in status ${status}`, {
      currentStatus: status,
      allowed: allowedActions(status, roles),
    });
  }
  return rule.to;
}

export function targetStatus(action: TicketAction): TicketStatus {
  return TRANSITIONS[action].to;
}
