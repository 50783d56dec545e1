import { DomainError } from './errors.js';

export const TICKET_STATUSES = ['new', 'forwarded', 'acknowledged', 'rejected', 'in_progress', 'waiting', 'resolved', 'closed', 'cancelled'] as const;
export type TicketStatus = (typeof TICKET_STATUSES)[number];

/** What a participant can do to a ticket; each action has its own API operation. */
export type TicketAction = 'acknowledge' | 'reject' | 'start' | 'wait' | 'answer' | 'resolve' | 'forward' | 'close' | 'reopen' | 'cancel';

interface Transition {
  from: readonly TicketStatus[];
  /**
   * Who may take the action: the current assignee works the ticket, the
   * origin owns it, and `counterpart` is any other party (the side a
   * question was put to).
   */
  by: 'origin' | 'assignee' | 'counterpart';
  to: TicketStatus;
}

/**
 * The status state machine (DESIGN.md section 5). `start` from `forwarded`
 * is an implicit acknowledgement; `reject` hands the ticket back to whoever
 * sent it, who may `forward` it elsewhere; `answer` is the other side replying
 * to a question (`waiting`); `reopen` hands the ticket back to its last resolver.
 */
const TRANSITIONS: Record<TicketAction, Transition> = {
  acknowledge: { from: ['forwarded'], by: 'assignee', to: 'acknowledged' },
  reject: { from: ['forwarded', 'acknowledged'], by: 'assignee', to: 'rejected' },
  start: { from: ['forwarded', 'acknowledged', 'waiting'], by: 'assignee', to: 'in_progress' },
  wait: { from: ['acknowledged', 'in_progress'], by: 'assignee', to: 'waiting' },
  answer: { from: ['waiting'], by: 'counterpart', to: 'in_progress' },
  resolve: { from: ['acknowledged', 'in_progress', 'waiting'], by: 'assignee', to: 'resolved' },
  forward: { from: ['acknowledged', 'in_progress', 'rejected'], by: 'assignee', to: 'forwarded' },
  close: { from: ['resolved'], by: 'origin', to: 'closed' },
  reopen: { from: ['resolved', 'closed'], by: 'origin', to: 'in_progress' },
  cancel: { from: ['new', 'forwarded', 'acknowledged', 'in_progress', 'waiting', 'rejected'], by: 'origin', to: 'cancelled' },
};

const ACTIONS = Object.keys(TRANSITIONS) as TicketAction[];

/**
 * Roles a participant holds on a ticket. The origin can also be the assignee
 * (after resolution or rejection the ticket returns to it), so roles are a set.
 */
export interface ActorRoles {
  isOrigin: boolean;
  isAssignee: boolean;
}

function permits(t: Transition, roles: ActorRoles): boolean {
  if (t.by === 'origin') return roles.isOrigin;
  if (t.by === 'assignee') return roles.isAssignee;
  return !roles.isAssignee;
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
    const who = rule.by === 'counterpart' ? 'other side' : rule.by;
    throw new DomainError('forbidden', `only the ticket's ${who} may ${action} it`, { action });
  }
  if (!rule.from.includes(status)) {
    throw new DomainError('illegal-transition', `cannot ${action} a ticket in status ${status}`, {
      currentStatus: status,
      allowed: allowedActions(status, roles),
    });
  }
  return rule.to;
}

/**
 * A closed or cancelled ticket takes no more comments (public or internal)
 * and no attachments: what was agreed stays as it was. `allowed` says what
 * the caller may do instead — the origin may reopen a closed ticket and then
 * add to it; a cancelled ticket is final.
 */
export function assertOpenForContributions(status: TicketStatus, roles: ActorRoles, contribution: 'comments' | 'attachments'): void {
  if (status !== 'closed' && status !== 'cancelled') return;
  throw new DomainError('illegal-transition', `a ${status} ticket accepts no ${contribution}${status === 'closed' ? '; its origin may reopen it first' : ''}`, {
    currentStatus: status,
    allowed: allowedActions(status, roles),
  });
}

export function targetStatus(action: TicketAction): TicketStatus {
  return TRANSITIONS[action].to;
}
