import {
  allowedActions,
  allowedOperations,
  assertOpenForContributions,
  describeLifecycle,
  DomainError,
  planTransitions,
  transition,
  TICKET_STATUSES,
  type ActorRoles,
  type TicketStatus,
} from '@drehscheibe/domain';

const origin: ActorRoles = { isOrigin: true, isAssignee: false };
const assignee: ActorRoles = { isOrigin: false, isAssignee: true };
const stranger: ActorRoles = { isOrigin: false, isAssignee: false };

function failure(fn: () => unknown): DomainError {
  try {
    fn();
  } catch (e) {
    if (e instanceof DomainError) return e;
    throw e;
  }
  throw new Error('expected a DomainError');
}

describe('ticket lifecycle', () => {
  it('walks the happy path of use cases 2.1 and 2.2', () => {
    let s: TicketStatus = 'forwarded';
    s = transition(s, 'acknowledge', assignee);
    expect(s).toBe('acknowledged');
    s = transition(s, 'start', assignee);
    expect(s).toBe('in_progress');
    s = transition(s, 'wait', assignee);
    expect(s).toBe('waiting');
    s = transition(s, 'start', assignee);
    s = transition(s, 'resolve', assignee);
    expect(s).toBe('resolved');
    s = transition(s, 'close', origin);
    expect(s).toBe('closed');
    expect(transition(s, 'reopen', origin)).toBe('in_progress');
  });

  it('lets the assignee start work on a forwarded ticket (implicit acknowledgement)', () => {
    expect(transition('forwarded', 'start', assignee)).toBe('in_progress');
  });

  it('names the allowed actions when a transition is illegal', () => {
    const e = failure(() => transition('forwarded', 'resolve', assignee));
    expect(e.code).toBe('illegal-transition');
    expect(e.details.allowed).toEqual(['acknowledgeTicket', 'rejectTicket', 'changeTicketStatus', 'addComment', 'uploadAttachment', 'setTicketState']);
  });

  it('names the operation a role does not allow', () => {
    expect(failure(() => transition('resolved', 'close', assignee)).details).toEqual({ action: 'closeTicket' });
    expect(failure(() => transition('waiting', 'wait', origin)).details).toEqual({ action: 'changeTicketStatus' });
  });

  it('lets the assignee reject late, after work started or while waiting ("not ours after all")', () => {
    expect(transition('in_progress', 'reject', assignee)).toBe('rejected');
    expect(transition('waiting', 'reject', assignee)).toBe('rejected');
  });

  it('lets the resolver take its resolution back until the origin closed', () => {
    const resolver: ActorRoles = { isOrigin: false, isAssignee: false, isResolver: true };
    expect(transition('resolved', 'resume', resolver)).toBe('in_progress');
    expect(failure(() => transition('closed', 'resume', resolver)).code).toBe('illegal-transition');
    expect(failure(() => transition('resolved', 'resume', stranger)).code).toBe('forbidden');
  });

  it('refuses the action to a party without the role, before looking at the status', () => {
    expect(failure(() => transition('resolved', 'close', assignee)).code).toBe('forbidden');
    expect(failure(() => transition('forwarded', 'acknowledge', origin)).code).toBe('forbidden');
    expect(failure(() => transition('forwarded', 'acknowledge', stranger)).code).toBe('forbidden');
  });

  it('treats cancelled as terminal for everyone', () => {
    expect(allowedActions('cancelled', { isOrigin: true, isAssignee: true })).toEqual([]);
  });

  it('gives an origin that is also the assignee both sets of actions', () => {
    const both = { isOrigin: true, isAssignee: true };
    expect(allowedActions('in_progress', both)).toEqual(expect.arrayContaining(['resolve', 'cancel']));
    expect(allowedActions('in_progress', origin)).toEqual(['cancel']);
  });

  it('lets whoever a rejected ticket came back to forward it again', () => {
    const senderNowAssignee = { isOrigin: true, isAssignee: true };
    expect(transition('rejected', 'forward', senderNowAssignee)).toBe('forwarded');
    expect(allowedActions('rejected', senderNowAssignee)).toEqual(['forward', 'cancel']);
    expect(allowedOperations('rejected', senderNowAssignee)).toEqual(['forwardTicket', 'cancelTicket', 'addComment', 'uploadAttachment', 'setTicketState']);
  });

  it('lets the other side answer a question, but not the side that asked', () => {
    expect(transition('waiting', 'answer', origin)).toBe('in_progress');
    expect(failure(() => transition('waiting', 'answer', assignee)).code).toBe('forbidden');
  });
});

describe('planTransitions (desired state)', () => {
  it('takes no step when the ticket is there already', () => {
    for (const status of TICKET_STATUSES) expect(planTransitions(status, stranger, status)).toEqual([]);
  });

  it('takes the shortest legal path, passing only through steps that need no words', () => {
    expect(planTransitions('forwarded', assignee, 'in_progress')).toEqual(['start']);
    expect(planTransitions('forwarded', assignee, 'waiting')).toEqual(['start', 'wait']);
    expect(planTransitions('forwarded', assignee, 'resolved')).toEqual(['start', 'resolve']);
    expect(planTransitions('forwarded', assignee, 'acknowledged')).toEqual(['acknowledge']);
    expect(planTransitions('in_progress', assignee, 'rejected')).toEqual(['reject']);
    expect(planTransitions('waiting', origin, 'in_progress')).toEqual(['answer']);
    expect(planTransitions('closed', origin, 'in_progress')).toEqual(['reopen']);
    expect(planTransitions('resolved', origin, 'closed')).toEqual(['close']);
  });

  it('follows the roles along the path: after resolving, the assignee cannot close', () => {
    const e = failure(() => planTransitions('in_progress', assignee, 'closed'));
    expect(e.code).toBe('illegal-transition');
    expect(e.details.reachable).toEqual(['forwarded', 'rejected', 'waiting', 'resolved']);
  });

  it('says what the origin can reach instead of an unreachable status', () => {
    const e = failure(() => planTransitions('forwarded', origin, 'resolved'));
    expect(e.details).toMatchObject({ currentStatus: 'forwarded', reachable: ['cancelled'] });
    expect(e.details.allowed).toContain('cancelTicket');
  });

  it('makes every path it plans legal step by step', () => {
    const roles: ActorRoles[] = [origin, assignee, stranger, { isOrigin: true, isAssignee: true }, { isOrigin: false, isAssignee: false, isResolver: true }];
    for (const from of TICKET_STATUSES)
      for (const r of roles)
        for (const to of TICKET_STATUSES) {
          let path: string[];
          try {
            path = planTransitions(from, r, to);
          } catch {
            continue;
          }
          let status = from;
          let current = r;
          for (const action of path) {
            status = transition(status, action as never, current);
            if (action === 'resolve') current = { ...current, isAssignee: current.isOrigin, isResolver: true };
            if (action === 'reject' || action === 'forward') current = { ...current, isAssignee: false };
          }
          expect(status).toBe(to);
        }
  });
});

describe('describeLifecycle', () => {
  it('lists for each status and role exactly what allowedOperations says', () => {
    const lifecycle = describeLifecycle();
    expect(lifecycle.entries.length).toBe((TICKET_STATUSES.length - 1) * 5);
    const origin = lifecycle.entries.find((e) => e.status === 'resolved' && e.role === 'origin-assignee')!;
    expect(origin.operations).toEqual(['closeTicket', 'reopenTicket', 'addComment', 'uploadAttachment', 'setTicketState']);
    expect(origin.targets).toEqual(['in_progress', 'closed']);
  });
});

describe('assertOpenForContributions', () => {
  it.each(['new', 'forwarded', 'acknowledged', 'rejected', 'in_progress', 'waiting', 'resolved'] as TicketStatus[])(
    'lets a %s ticket take comments',
    (status) => {
      expect(() => assertOpenForContributions(status, origin, 'comments')).not.toThrow();
    },
  );

  it('refuses a closed ticket, telling its origin it may reopen', () => {
    expect(failure(() => assertOpenForContributions('closed', origin, 'comments')).details).toEqual({
      currentStatus: 'closed',
      allowed: ['reopenTicket', 'setTicketState'],
    });
    expect(failure(() => assertOpenForContributions('closed', assignee, 'attachments')).details).toEqual({ currentStatus: 'closed', allowed: [] });
  });

  it('refuses a cancelled ticket to everyone, with nothing allowed', () => {
    const e = failure(() => assertOpenForContributions('cancelled', origin, 'attachments'));
    expect(e.code).toBe('illegal-transition');
    expect(e.details).toEqual({ currentStatus: 'cancelled', allowed: [] });
  });
});
