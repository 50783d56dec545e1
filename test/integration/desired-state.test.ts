import type { components } from '@drehscheibe/client';
import { describeLifecycle } from '@drehscheibe/domain';
import type { ApiClient } from '../support/api-client.js';
import { startInProcessHub, type InProcessHub } from '../support/in-process-hub.js';
import { addParticipant } from '../support/participants.js';

type StateInput = components['schemas']['TicketStateInput'];

let hub: InProcessHub;
beforeAll(async () => {
  hub = await startInProcessHub();
  await addParticipant(hub.db, hub.api, 'test-other-land');
}, 120_000);
afterAll(() => hub?.close());

let counter = 0;
const create = async () => {
  const r = await hub.api.call('POST', '/v1/tickets', {
    as: 'demo-mila',
    body: {
      externalId: `DS-${Date.now()}-${++counter}`,
      type: 'incident',
      subject: 'Antrag lässt sich nicht absenden',
      serviceId: 'svc-demo-wohngeld',
      impact: 2,
      urgency: 2,
      channel: 'web_form',
    },
  });
  expect(r.status).toBe(201);
  return r.data;
};
const act: ApiClient['command'] = (as, action, ticketId, body, headers) => hub.api.command(as, action, ticketId, body, headers);
const setState = (as: string, ticketId: string, body: StateInput, headers: Record<string, string> = {}) =>
  hub.api.call('PUT', '/v1/tickets/{ticketId}/state', { as, params: { ticketId }, body, headers });
const events = async (ticketId: string) => (await hub.api.call('GET', '/v1/tickets/{ticketId}/events', { as: 'demo-mila', params: { ticketId } })).data.items;
const footprint = async (ticketId: string) =>
  (
    await hub.db.query<{ n: string }>(
      `SELECT (SELECT count(*) FROM ticket_events WHERE ticket_id = $1) || '/' || (SELECT count(*) FROM ticket_comments WHERE ticket_id = $1)
          || '/' || (SELECT count(*) FROM deliveries WHERE ticket_id = $1) || '/' || (SELECT version || status FROM tickets WHERE id = $1) AS n`,
      [ticketId],
    )
  )[0].n;

describe('GET /v1/lifecycle', () => {
  it('serves the one state machine of libs/domain', async () => {
    const r = await hub.api.call('GET', '/v1/lifecycle', { as: 'demo-mila' });
    expect(r.status).toBe(200);
    expect(r.data).toEqual(JSON.parse(JSON.stringify(describeLifecycle())));
    const belaForwarded = r.data.entries.find((e) => e.status === 'forwarded' && e.role === 'assignee')!;
    expect(belaForwarded.operations).toEqual(['acknowledgeTicket', 'rejectTicket', 'changeTicketStatus', 'addComment', 'uploadAttachment', 'setTicketState']);
    expect(belaForwarded.targets).toEqual(['acknowledged', 'rejected', 'in_progress', 'waiting', 'resolved']);
  });

  it('names only operations the API has', async () => {
    const r = await hub.api.call('GET', '/v1/lifecycle', { as: 'demo-mila' });
    const spec = JSON.stringify(await (await fetch(`${hub.api.baseUrl}/docs-json`)).json());
    for (const step of r.data.steps) expect(spec).toContain(`"operationId":"${step.operationId}"`);
  });
});

describe('PUT /v1/tickets/{id}/state', () => {
  it('takes the shortest legal sequence, one event per step, and none when the ticket is there already', async () => {
    const t = await create();
    const r = await setState('demo-bela', t.id, { status: 'resolved', resolutionCode: 'solved', text: 'Cache geleert' });
    expect(r.status).toBe(200);
    expect(r.headers.get('etag')).toBe('"3"');
    expect(r.data.steps).toEqual([
      { action: 'start', operationId: 'changeTicketStatus', from: 'forwarded', to: 'in_progress', ticketVersion: 2, eventType: 'ticket.status_changed' },
      { action: 'resolve', operationId: 'resolveTicket', from: 'in_progress', to: 'resolved', ticketVersion: 3, eventType: 'ticket.resolved' },
    ]);
    expect(r.data.ticket).toMatchObject({
      status: 'resolved',
      resolution: { code: 'solved', text: 'Cache geleert' },
      assignee: { participantId: 'demo-mila' },
    });
    const before = await footprint(t.id);
    const again = await setState('demo-bela', t.id, { status: 'resolved', resolutionCode: 'solved', text: 'anderer Text' });
    expect(again.status).toBe(200);
    expect(again.data.steps).toEqual([]);
    expect(await footprint(t.id)).toBe(before);
  });

  it('turns the asked side going back to in_progress into the answer: its text a comment, then the status change', async () => {
    const t = await create();
    await setState('demo-bela', t.id, { status: 'waiting', text: 'Welcher Browser?' });
    const r = await setState('demo-mila', t.id, { status: 'in_progress', text: 'Firefox 128' });
    expect(r.data.steps).toMatchObject([{ action: 'answer', from: 'waiting', to: 'in_progress', eventType: 'ticket.status_changed' }]);
    expect((await events(t.id)).slice(-2)).toMatchObject([
      { type: 'ticket.comment_added', data: { comment: { text: 'Firefox 128' } } },
      { type: 'ticket.status_changed', data: { status: 'in_progress', previousStatus: 'waiting', answered: true } },
    ]);
  });

  it('lets the assignee reject late: the ticket goes back to its sender', async () => {
    const t = await create();
    await setState('demo-bela', t.id, { status: 'in_progress' });
    const r = await setState('demo-bela', t.id, { status: 'rejected', text: 'Doch nicht unser Dienst' });
    expect(r.data.ticket).toMatchObject({ status: 'rejected', assignee: { participantId: 'demo-mila' } });
    expect((await events(t.id)).at(-1)).toMatchObject({ type: 'ticket.rejected', data: { previousStatus: 'in_progress', reason: 'Doch nicht unser Dienst' } });
  });

  it('lets the resolver take its resolution back until the origin closed (its own system reopened)', async () => {
    const t = await create();
    await setState('demo-bela', t.id, { status: 'resolved', resolutionCode: 'solved', text: 'Erledigt' });
    const r = await setState('demo-bela', t.id, { status: 'in_progress', text: 'Doch noch offen' });
    expect(r.data.steps).toMatchObject([{ action: 'resume', operationId: 'reopenTicket', eventType: 'ticket.reopened' }]);
    expect(r.data.ticket).toMatchObject({ status: 'in_progress', assignee: { participantId: 'demo-bela' } });
    expect(r.data.ticket.resolution).toBeUndefined();
  });

  it('answers a status the caller cannot reach with 409, what it can reach, and changes nothing', async () => {
    const t = await create();
    const before = await footprint(t.id);
    const r = await setState('demo-mila', t.id, { status: 'resolved', resolutionCode: 'solved', text: 'x' });
    expect(r.status).toBe(409);
    expect(r.problem).toMatchObject({ type: 'urn:drehscheibe:problem:illegal-transition', currentStatus: 'forwarded', reachable: ['cancelled'] });
    expect(r.problem.allowed).toContain('cancelTicket');
    expect(await footprint(t.id)).toBe(before);
  });

  it.each<[string, StateInput, string]>([
    ['resolved without a resolution code', { status: 'resolved', text: 'x' }, '/body/resolutionCode'],
    ['resolved without a text', { status: 'resolved', resolutionCode: 'solved' }, '/body/text'],
    ['acknowledged without an own ticket number', { status: 'acknowledged' }, '/body/externalId'],
    ['rejected without a reason', { status: 'rejected' }, '/body/text'],
    ['forwarded without a target', { status: 'forwarded' }, '/body/assignee'],
    ['rejected with an over-long reason', { status: 'rejected', text: 'x'.repeat(2001) }, '/body/text'],
  ])('refuses %s with 422 state-input-required and a pointer, changing nothing', async (_, body, pointer) => {
    const t = await create();
    if (body.status === 'forwarded') await setState('demo-bela', t.id, { status: 'in_progress' });
    const before = await footprint(t.id);
    const r = await setState('demo-bela', t.id, body);
    expect(r.status).toBe(422);
    expect(r.problem.type).toBe('urn:drehscheibe:problem:state-input-required');
    expect(r.problem.errors!.map((e) => e.pointer)).toEqual([pointer]);
    expect(await footprint(t.id)).toBe(before);
  });

  it('refuses an unknown resolution code and a status that is no target, changing nothing', async () => {
    const t = await create();
    const before = await footprint(t.id);
    const unknown = await setState('demo-bela', t.id, { status: 'resolved', resolutionCode: 'no-such-code', text: 'x' });
    expect(unknown.status).toBe(422);
    expect(unknown.problem.type).toBe('urn:drehscheibe:problem:unknown-code');
    const fresh = await hub.api.call('PUT', '/v1/tickets/{ticketId}/state', { as: 'demo-bela', params: { ticketId: t.id }, untypedBody: { status: 'new' } });
    expect(fresh.status).toBe(400);
    expect(await footprint(t.id)).toBe(before);
  });
});

describe('repeated operations change nothing', () => {
  it('answers a retried resolution, rejection and reopening with 200 and no event', async () => {
    const t = await create();
    await act('demo-bela', 'status', t.id, { status: 'in_progress' });
    const resolution = { code: 'solved', text: 'Passwort zurückgesetzt' };
    expect((await act('demo-bela', 'resolution', t.id, resolution)).status).toBe(200);
    let before = await footprint(t.id);
    const retried = await act('demo-bela', 'resolution', t.id, resolution);
    expect(retried.status).toBe(200);
    expect(await footprint(t.id)).toBe(before);

    expect((await act('demo-mila', 'reopen', t.id, { reason: 'Geht noch nicht' })).status).toBe(200);
    before = await footprint(t.id);
    expect((await act('demo-mila', 'reopen', t.id, { reason: 'Geht noch nicht' })).status).toBe(200);
    expect(await footprint(t.id)).toBe(before);

    expect((await act('demo-bela', 'rejection', t.id, { reason: 'Nicht unser Dienst' })).status).toBe(200);
    before = await footprint(t.id);
    expect((await act('demo-bela', 'rejection', t.id, { reason: 'Nicht unser Dienst' })).status).toBe(200);
    expect(await footprint(t.id)).toBe(before);
  });

  it('lets the other side answer with a status change alone', async () => {
    const t = await create();
    await act('demo-bela', 'status', t.id, { status: 'in_progress' });
    expect((await act('demo-bela', 'status', t.id, { status: 'waiting', reason: 'Welche Datei?' })).status).toBe(200);
    const r = await act('demo-mila', 'status', t.id, { status: 'in_progress' });
    expect(r.data.status).toBe('in_progress');
    expect((await events(t.id)).at(-1)).toMatchObject({ type: 'ticket.status_changed', actor: { participantId: 'demo-mila' }, data: { answered: true } });
  });
});

describe('Source-Ref', () => {
  it('applies a source reference once per participant and ticket, whatever the body', async () => {
    const t = await create();
    const first = await act('demo-bela', 'comments', t.id, { text: 'Wir prüfen das.' }, { 'source-ref': 'rt-txn-1001' });
    expect(first.status).toBe(200);
    expect(first.headers.get('source-ref-outcome')).toBe('applied');
    const before = await footprint(t.id);
    // A second copy of the bridge turned the same source change into another request.
    const second = await act('demo-bela', 'comments', t.id, { text: 'Wir prüfen das!' }, { 'source-ref': 'rt-txn-1001' });
    expect(second.status).toBe(200);
    expect(second.headers.get('source-ref-outcome')).toBe('already-applied');
    const third = await setState('demo-bela', t.id, { status: 'in_progress' }, { 'source-ref': 'rt-txn-1001' });
    expect(third.data.steps).toEqual([]);
    expect(third.headers.get('source-ref-outcome')).toBe('already-applied');
    expect(await footprint(t.id)).toBe(before);
    const comments = (await hub.api.call('GET', '/v1/tickets/{ticketId}', { as: 'demo-mila', params: { ticketId: t.id } })).data.comments;
    expect(comments.map((c) => c.text)).toEqual(['Wir prüfen das.']);
  });

  it('keeps references apart per participant and per ticket', async () => {
    const [a, b] = [await create(), await create()];
    const ref = { 'source-ref': 'journal-7' };
    expect((await act('demo-bela', 'comments', a.id, { text: 'BeLa' }, ref)).headers.get('source-ref-outcome')).toBe('applied');
    expect((await act('demo-mila', 'comments', a.id, { text: 'MiLa' }, ref)).headers.get('source-ref-outcome')).toBe('applied');
    expect((await act('demo-bela', 'comments', b.id, { text: 'BeLa' }, ref)).headers.get('source-ref-outcome')).toBe('applied');
    const rows = await hub.db.query<{ n: number }>('SELECT count(*)::int AS n FROM ticket_source_refs WHERE source_ref = $1 AND ticket_id = ANY($2)', [
      'journal-7',
      [a.id, b.id],
    ]);
    expect(rows[0].n).toBe(3);
  });

  it('records a reference also for a write that changed nothing, and not for one that was refused', async () => {
    const t = await create();
    const refused = await act('demo-bela', 'resolution', t.id, { code: 'solved', text: 'x' }, { 'source-ref': 'r-1' });
    expect(refused.status).toBe(409);
    const applied = await act('demo-bela', 'status', t.id, { status: 'in_progress' }, { 'source-ref': 'r-1' });
    expect(applied.headers.get('source-ref-outcome')).toBe('applied');
    const noop = await act('demo-bela', 'status', t.id, { status: 'in_progress' }, { 'source-ref': 'r-2' });
    expect(noop.headers.get('source-ref-outcome')).toBe('applied');
    const later = await act('demo-bela', 'status', t.id, { status: 'waiting', reason: 'x' }, { 'source-ref': 'r-2' });
    expect(later.headers.get('source-ref-outcome')).toBe('already-applied');
    expect(later.data.status).toBe('in_progress');
  });

  it('attaches a file once, answering 200 without a Location the second time', async () => {
    const t = await create();
    const upload = () =>
      fetch(`${hub.api.baseUrl}/v1/tickets/${t.id}/attachments?filename=log.txt`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'text/plain', 'source-ref': 'mail-42' },
        body: 'Protokoll',
      });
    const token = await hub.api.token('demo-mila');
    const first = await upload();
    expect(first.status).toBe(201);
    expect(first.headers.get('location')).toMatch(/\/attachments\//);
    const second = await upload();
    expect(second.status).toBe(200);
    expect(second.headers.get('location')).toBeNull();
    expect(second.headers.get('source-ref-outcome')).toBe('already-applied');
    const rows = await hub.db.query<{ n: number }>('SELECT count(*)::int AS n FROM ticket_attachments WHERE ticket_id = $1', [t.id]);
    expect(rows[0].n).toBe(1);
  });

  it('refuses a malformed reference with 400 before anything is written', async () => {
    const t = await create();
    const before = await footprint(t.id);
    const r = await act('demo-bela', 'comments', t.id, { text: 'x' }, { 'source-ref': 'has space' });
    expect(r.status).toBe(400);
    expect(r.problem.errors!.map((e) => e.pointer)).toEqual(['/header/source-ref']);
    expect(await footprint(t.id)).toBe(before);
  });
});
