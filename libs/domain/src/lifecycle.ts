import { DomainError } from './errors.js';

export const TICKET_STATUSES = ['new', 'forwarded', 'acknowledged', 'rejected', 'in_progress', 'waiting', 'resolved', 'closed', 'cancelled'] as const;
export type TicketStatus = (typeof TICKET_STATUSES)[number];

/** A step of the state machine. Each is taken through an API operation (`TicketOperation`). */
export type TicketAction = 'acknowledge' | 'reject' | 'start' | 'wait' | 'answer' | 'resolve' | 'resume' | 'forward' | 'close' | 'reopen' | 'cancel';

/**
 * The API operations (their `operationId`s) that change or add to an existing
 * ticket. Problems (`allowed`, `action`) and `GET /v1/lifecycle` name these,
 * never internal verbs, so a client can call exactly what it is told.
 */
export const TICKET_OPERATIONS = [
  'acknowledgeTicket',
  'rejectTicket',
  'changeTicketStatus',
  'resolveTicket',
  'forwardTicket',
  'closeTicket',
  'reopenTicket',
  'cancelTicket',
  'addComment',
  'uploadAttachment',
  'setTicketState',
] as const;
export type TicketOperation = (typeof TICKET_OPERATIONS)[number];

/**
 * Who takes a step: the current assignee works the ticket, the origin owns
 * it, the resolver is whoever resolved it last, and `counterpart` is any party
 * that is not the assignee (the side a question was put to).
 */
export type StepRole = 'origin' | 'assignee' | 'resolver' | 'counterpart';

/** Who holds the ticket (is its assignee) after a step. */
export type AssigneeAfter = 'unchanged' | 'sender' | 'origin' | 'target' | 'resolver';

interface Transition {
  from: readonly TicketStatus[];
  by: StepRole;
  to: TicketStatus;
  operation: TicketOperation;
  assigneeAfter: AssigneeAfter;
}

/**
 * The status state machine (DESIGN.md section 5), the one source of the
 * lifecycle: commands, desired state, problems and `GET /v1/lifecycle` all
 * read it. `start` from `forwarded` is an implicit acknowledgement; `reject`
 * hands the ticket back to whoever sent it, also late (after work started:
 * "not ours after all"), and the sender may `forward` it elsewhere; `answer`
 * is the other side replying to a question; `reopen` hands the ticket back to
 * its last resolver, and `resume` is that resolver taking its resolution back
 * before the origin closed (its own system reopened the ticket).
 */
const TRANSITIONS: Record<TicketAction, Transition> = {
  acknowledge: { from: ['forwarded'], by: 'assignee', to: 'acknowledged', operation: 'acknowledgeTicket', assigneeAfter: 'unchanged' },
  reject: { from: ['forwarded', 'acknowledged', 'in_progress', 'waiting'], by: 'assignee', to: 'rejected', operation: 'rejectTicket', assigneeAfter: 'sender' },
  start: { from: ['forwarded', 'acknowledged', 'waiting'], by: 'assignee', to: 'in_progress', operation: 'changeTicketStatus', assigneeAfter: 'unchanged' },
  wait: { from: ['acknowledged', 'in_progress'], by: 'assignee', to: 'waiting', operation: 'changeTicketStatus', assigneeAfter: 'unchanged' },
  answer: { from: ['waiting'], by: 'counterpart', to: 'in_progress', operation: 'changeTicketStatus', assigneeAfter: 'unchanged' },
  resolve: { from: ['acknowledged', 'in_progress', 'waiting'], by: 'assignee', to: 'resolved', operation: 'resolveTicket', assigneeAfter: 'origin' },
  resume: { from: ['resolved'], by: 'resolver', to: 'in_progress', operation: 'reopenTicket', assigneeAfter: 'resolver' },
  forward: { from: ['acknowledged', 'in_progress', 'rejected'], by: 'assignee', to: 'forwarded', operation: 'forwardTicket', assigneeAfter: 'target' },
  close: { from: ['resolved'], by: 'origin', to: 'closed', operation: 'closeTicket', assigneeAfter: 'unchanged' },
  reopen: { from: ['resolved', 'closed'], by: 'origin', to: 'in_progress', operation: 'reopenTicket', assigneeAfter: 'resolver' },
  cancel: {
    from: ['new', 'forwarded', 'acknowledged', 'in_progress', 'waiting', 'rejected'],
    by: 'origin',
    to: 'cancelled',
    operation: 'cancelTicket',
    assigneeAfter: 'unchanged',
  },
};

const ACTIONS = Object.keys(TRANSITIONS) as TicketAction[];

/**
 * Roles a participant holds on a ticket. The origin can also be the assignee
 * (after resolution or rejection the ticket returns to it), so roles are a set.
 */
export interface ActorRoles {
  isOrigin: boolean;
  isAssignee: boolean;
  /** Resolved the ticket last (the party a reopen hands it back to). */
  isResolver?: boolean;
}

function permits(t: Transition, roles: ActorRoles): boolean {
  switch (t.by) {
    case 'origin':
      return roles.isOrigin;
    case 'assignee':
      return roles.isAssignee;
    case 'resolver':
      return roles.isResolver === true && !roles.isOrigin && !roles.isAssignee;
    case 'counterpart':
      return !roles.isAssignee;
  }
}

/** A closed or cancelled ticket takes no comments and no files. */
const takesContributions = (status: TicketStatus): boolean => status !== 'closed' && status !== 'cancelled';

/** Steps this actor may take on a ticket in `status`. */
export function allowedActions(status: TicketStatus, roles: ActorRoles): TicketAction[] {
  return ACTIONS.filter((a) => TRANSITIONS[a].from.includes(status) && permits(TRANSITIONS[a], roles));
}

/** The operations this actor may call on a ticket in `status`, in a stable order: for 409 answers and clients' menus. */
export function allowedOperations(status: TicketStatus, roles: ActorRoles): TicketOperation[] {
  const steps = allowedActions(status, roles);
  const allowed = new Set<TicketOperation>(steps.map((a) => TRANSITIONS[a].operation));
  if (takesContributions(status)) {
    allowed.add('addComment');
    allowed.add('uploadAttachment');
  }
  if (steps.length > 0) allowed.add('setTicketState');
  return TICKET_OPERATIONS.filter((o) => allowed.has(o));
}

export function operationOf(action: TicketAction): TicketOperation {
  return TRANSITIONS[action].operation;
}

/**
 * Checks an action against the state machine and returns the new status.
 * Throws `forbidden` (naming the operation) when the actor's role does not
 * allow the action at all, `illegal-transition` (with the operations that are
 * allowed) when the status does not.
 */
export function transition(status: TicketStatus, action: TicketAction, roles: ActorRoles): TicketStatus {
  const rule = TRANSITIONS[action];
  if (!permits(rule, roles)) {
    const who = rule.by === 'counterpart' ? 'other side' : rule.by;
    throw new DomainError('forbidden', `only the ticket's ${who} may ${action} it`, { action: rule.operation });
  }
  if (!rule.from.includes(status)) {
    throw new DomainError('illegal-transition', `cannot ${action} a ticket in status ${status}`, {
      currentStatus: status,
      allowed: allowedOperations(status, roles),
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
  if (takesContributions(status)) return;
  throw new DomainError('illegal-transition', `a ${status} ticket accepts no ${contribution}${status === 'closed' ? '; its origin may reopen it first' : ''}`, {
    currentStatus: status,
    allowed: allowedOperations(status, roles),
  });
}

export function targetStatus(action: TicketAction): TicketStatus {
  return TRANSITIONS[action].to;
}

/** The actor's roles after it took `action` (the planner follows them along a path). */
function rolesAfter(action: TicketAction, roles: ActorRoles): ActorRoles {
  switch (TRANSITIONS[action].assigneeAfter) {
    case 'unchanged':
      return roles;
    case 'origin':
      return { ...roles, isAssignee: roles.isOrigin, isResolver: true };
    case 'resolver':
      return { ...roles, isAssignee: roles.isResolver === true };
    // The ticket goes to someone else: back to its sender, or on to the target.
    case 'sender':
    case 'target':
      return { ...roles, isAssignee: false };
  }
}

/**
 * Steps a path may pass through on its way: they need no words and no
 * choice (no reason, no resolution, no target). Every other step may only be
 * the last one, where the caller's text and fields belong to it.
 */
const PASS_THROUGH: ReadonlySet<TicketAction> = new Set(['start', 'answer']);

/**
 * The shortest sequence of steps that takes a ticket from `status` to
 * `target` for this actor: empty when it is there already. Only the last step
 * may need input (see PASS_THROUGH), so the path is also predictable: the
 * same question always gets the same answer. Throws `illegal-transition`
 * naming the statuses the actor can reach when `target` is not one of them.
 */
export function planTransitions(status: TicketStatus, roles: ActorRoles, target: TicketStatus): TicketAction[] {
  if (status === target) return [];
  const reachable = new Map<TicketStatus, TicketAction[]>();
  let frontier: Array<{ status: TicketStatus; roles: ActorRoles; path: TicketAction[] }> = [{ status, roles, path: [] }];
  while (frontier.length > 0) {
    const next: typeof frontier = [];
    for (const node of frontier) {
      for (const action of allowedActions(node.status, node.roles)) {
        const to = TRANSITIONS[action].to;
        if (to === status || reachable.has(to)) continue;
        const path = [...node.path, action];
        reachable.set(to, path);
        if (PASS_THROUGH.has(action)) next.push({ status: to, roles: rolesAfter(action, node.roles), path });
      }
    }
    frontier = next;
  }
  const path = reachable.get(target);
  if (path) return path;
  const targets = TICKET_STATUSES.filter((s) => reachable.has(s));
  throw new DomainError(
    'illegal-transition',
    `you cannot bring a ${status} ticket to ${target}${targets.length ? `; you can reach ${targets.join(', ')}` : ''}`,
    {
      currentStatus: status,
      allowed: allowedOperations(status, roles),
      reachable: targets,
    },
  );
}

/** The role combinations a party can hold, as the lifecycle table lists them. */
export const LIFECYCLE_ROLES = {
  assignee: { isOrigin: false, isAssignee: true },
  origin: { isOrigin: true, isAssignee: false },
  'origin-assignee': { isOrigin: true, isAssignee: true },
  resolver: { isOrigin: false, isAssignee: false, isResolver: true },
  watcher: { isOrigin: false, isAssignee: false },
} as const satisfies Record<string, ActorRoles>;
export type LifecycleRole = keyof typeof LIFECYCLE_ROLES;

export interface LifecycleStep {
  action: TicketAction;
  operationId: TicketOperation;
  from: TicketStatus[];
  to: TicketStatus;
  by: StepRole;
  assigneeAfter: AssigneeAfter;
}

export interface LifecycleEntry {
  status: TicketStatus;
  role: LifecycleRole;
  /** The steps this role may take here, each with its operation and the status it leads to. */
  steps: Array<{ action: TicketAction; operationId: TicketOperation; to: TicketStatus }>;
  /** Every operation it may call here (steps, comments, files, desired state). */
  operations: TicketOperation[];
  /** The statuses `setTicketState` can bring the ticket to from here. */
  targets: TicketStatus[];
}

export interface Lifecycle {
  statuses: TicketStatus[];
  steps: LifecycleStep[];
  entries: LifecycleEntry[];
}

/** Statuses a role can reach with setTicketState from `status` (a plan exists). */
function targetsFrom(status: TicketStatus, roles: ActorRoles): TicketStatus[] {
  return TICKET_STATUSES.filter((target) => {
    if (target === status) return false;
    try {
      planTransitions(status, roles, target);
      return true;
    } catch {
      return false;
    }
  });
}

/** The whole lifecycle, for `GET /v1/lifecycle` and the table in docs/integration.md. */
export function describeLifecycle(): Lifecycle {
  const roles = Object.keys(LIFECYCLE_ROLES) as LifecycleRole[];
  return {
    statuses: [...TICKET_STATUSES],
    steps: ACTIONS.map((action) => {
      const t = TRANSITIONS[action];
      return { action, operationId: t.operation, from: [...t.from], to: t.to, by: t.by, assigneeAfter: t.assigneeAfter };
    }),
    entries: TICKET_STATUSES.filter((s) => s !== 'new').flatMap((status) =>
      roles.map((role) => {
        const r = LIFECYCLE_ROLES[role];
        return {
          status,
          role,
          steps: allowedActions(status, r).map((action) => ({ action, operationId: TRANSITIONS[action].operation, to: TRANSITIONS[action].to })),
          operations: allowedOperations(status, r),
          targets: targetsFrom(status, r),
        };
      }),
    ),
  };
}
