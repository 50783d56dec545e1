import { outboundSteps } from './outbound-steps.js';

let position = 0;
const entry = (type: string, data: Record<string, unknown>, actor = 'demo-bela', at = '2026-12-02T10:00:00.000Z', ticketId = 't1') => ({
  item: { id: `e${++position}`, type, ticketId, occurredAt: at, actor: { participantId: actor }, data, ticketVersion: position },
  cursor: `c${position}`,
});

describe('outboundSteps', () => {
  it('writes only the last status of one change, with the feed cursor after all of it', () => {
    const steps = outboundSteps([
      entry('ticket.status_changed', { status: 'in_progress' }),
      entry('ticket.resolved', { resolution: { code: 'solved', text: 'Done' } }),
    ]);
    expect(steps).toHaveLength(1);
    expect(steps[0].event.type).toBe('ticket.resolved');
    expect(steps[0].cursor).toBe(`c${position}`);
  });

  it('an answer’s words go with its status change: one write', () => {
    const steps = outboundSteps([
      entry('ticket.comment_added', { comment: { text: 'Firefox 128.', visibility: 'public' } }, 'demo-mila'),
      entry('ticket.status_changed', { status: 'in_progress', answered: true }, 'demo-mila'),
    ]);
    expect(steps).toHaveLength(1);
    expect(steps[0].event.body).toMatchObject({ type: 'ticket.status_changed', data: { note: 'Firefox 128.', answered: true } });
  });

  it('a status change with words of its own keeps the comment as a write of its own, in order', () => {
    const steps = outboundSteps([
      entry('ticket.comment_added', { comment: { text: 'FYI' } }),
      entry('ticket.status_changed', { status: 'waiting', reason: 'Which browser?' }),
    ]);
    expect(steps.map((s) => s.event.type)).toEqual(['ticket.comment_added', 'ticket.status_changed']);
    expect(steps.map((s) => s.cursor)).toEqual([`c${position - 1}`, `c${position}`]);
  });

  it('events of different changes (another moment, actor or ticket) stay separate', () => {
    const steps = outboundSteps([
      entry('ticket.status_changed', { status: 'in_progress' }, 'demo-bela', '2026-12-02T10:00:00.000Z'),
      entry('ticket.status_changed', { status: 'waiting', reason: 'Q' }, 'demo-bela', '2026-12-02T10:00:01.000Z'),
      entry('ticket.status_changed', { status: 'in_progress' }, 'demo-mila', '2026-12-02T10:00:01.000Z'),
      entry('ticket.comment_added', { comment: { text: 'x' } }, 'demo-mila', '2026-12-02T10:00:01.000Z', 't2'),
    ]);
    expect(steps).toHaveLength(4);
  });

  it('a notice is passed on as it is (the profile decides)', () => {
    const steps = outboundSteps([{ item: { id: 'n1', type: 'service.notice_published' }, cursor: 'cn' }]);
    expect(steps).toEqual([
      { eventId: 'n1', ticketId: '', event: { type: 'service.notice_published', body: { id: 'n1', type: 'service.notice_published' } }, cursor: 'cn' },
    ]);
  });
});
