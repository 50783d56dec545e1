import { allowedActions, assertOpenForContributions, DomainError, transition, type ActorRoles, type TicketStatus } from '@drehscheibe/domain';

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
    expect(e.details.allowed).toEqual(['acknowledge', 'reject', 'start']);
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
  });

  it('lets the other side answer a question, but not the side that asked', () => {
    expect(transition('waiting', 'answer', origin)).toBe('in_progress');
    expect(failure(() => transition('waiting', 'answer', assignee)).code).toBe('forbidden');
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
    expect(failure(() => assertOpenForContributions('closed', origin, 'comments')).details).toEqual({ currentStatus: 'closed', allowed: ['reopen'] });
    expect(failure(() => assertOpenForContributions('closed', assignee, 'attachments')).details).toEqual({ currentStatus: 'closed', allowed: [] });
  });

  it('refuses a cancelled ticket to everyone, with nothing allowed', () => {
    const e = failure(() => assertOpenForContributions('cancelled', origin, 'attachments'));
    expect(e.code).toBe('illegal-transition');
    expect(e.details).toEqual({ currentStatus: 'cancelled', allowed: [] });
  });
});
