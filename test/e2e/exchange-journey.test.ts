import type { components } from '@drehscheibe/client';
import type { TicketActionPath } from '../support/api-client.js';
import { eventually, Stack } from '../support/stack.js';
import { addSimulatedVendor } from '../support/participants.js';

/**
 * The full exchange of use cases 2.1 and 2.2 plus multi-hop, through the real
 * apps as processes: hub-api, worker, and simulated Länder and a vendor that
 * receive signed deliveries.
 */
let stack: Stack;
beforeAll(async () => {
  stack = await Stack.start({ SIMULATOR_PARTICIPANTS: 'demo-mila,demo-bela,demo-vendor', SIMULATOR_AUTO_ACKNOWLEDGE: 'false' });
  await addSimulatedVendor(stack);
}, 90_000);
afterAll(() => stack?.stop());

interface Received {
  body: { type: string; ticketId: string; ticketVersion: number; actor: { participantId: string }; ticket: { status: string } };
}
const received = async (participant: string, ticketId: string) =>
  (await stack.simulator<{ items: Received[] }>('GET', `/participants/${participant}/deliveries`)).items
    .filter((d) => d.body.ticketId === ticketId)
    .map((d) => `${d.body.ticketVersion}:${d.body.type}`);

async function step(as: string, action: string, ticketId: string, body: unknown, etag?: string) {
  const r = await stack.api.call('POST', `/v1/tickets/{ticketId}/${action}` as TicketActionPath, {
    as,
    params: { ticketId },
    untypedBody: body,
    headers: etag ? { 'if-match': etag } : {},
  });
  expect(r.status).toBe(200);
  return { headers: r.headers, body: r.data };
}

describe('the exchange protocol end to end', () => {
  it('forward → acknowledge → question → answer → multi-hop → resolve → close → reopen, delivered in order to every party', async () => {
    const journeyTicket: Omit<components['schemas']['TicketCreate'], 'supportLevel'> = {
      externalId: 'MILA-JOURNEY',
      type: 'incident',
      subject: 'Bescheid-Download leer',
      serviceId: 'svc-demo-wohngeld',
      impact: 2,
      urgency: 2,
      channel: 'phone_115',
    };
    const created = await stack.api.call('POST', '/v1/tickets', {
      as: 'demo-mila',
      body: journeyTicket,
      headers: { 'idempotency-key': 'journey-create' },
    });
    const id = created.data.id;
    // A client retrying after a lost answer gets the same ticket, not a second one.
    const retried = await stack.api.call('POST', '/v1/tickets', {
      as: 'demo-mila',
      body: journeyTicket,
      headers: { 'idempotency-key': 'journey-create' },
    });
    expect(retried.data.id).toBe(id);

    let r = await step('demo-bela', 'acknowledgement', id, { externalId: 'BELA-9' }, created.headers.get('etag')!);
    r = await step('demo-bela', 'status', id, { status: 'waiting', reason: 'Welcher Bescheid genau?' }, r.headers.get('etag')!);
    r = await step('demo-mila', 'comments', id, { text: 'Wohngeldbescheid vom 3.11.' }, r.headers.get('etag')!);
    expect(r.body.status).toBe('in_progress');
    r = await step('demo-bela', 'forward', id, { participantId: 'demo-vendor', note: 'PDF-Erzeugung prüfen' }, r.headers.get('etag')!);
    r = await step('demo-vendor', 'acknowledgement', id, { externalId: 'VENDOR-123' }, r.headers.get('etag')!);
    r = await step('demo-vendor', 'resolution', id, { code: 'solved', text: 'Vorlage repariert' }, r.headers.get('etag')!);
    r = await step('demo-mila', 'close', id, {}, r.headers.get('etag')!);
    r = await step('demo-mila', 'reopen', id, { reason: 'Zweiter Bescheid ebenfalls leer' }, r.headers.get('etag')!);
    expect(r.body).toMatchObject({ status: 'in_progress', version: 10, assignee: { participantId: 'demo-vendor', externalId: 'VENDOR-123' } });

    // The answer is two events: the comment (v4) and the status change back to in_progress (v5).
    const expectMila = ['2:ticket.acknowledged', '3:ticket.status_changed', '6:ticket.forwarded', '7:ticket.acknowledged', '8:ticket.resolved'];
    const expectBela = [
      '1:ticket.forwarded',
      '4:ticket.comment_added',
      '5:ticket.status_changed',
      '7:ticket.acknowledged',
      '8:ticket.resolved',
      '9:ticket.closed',
      '10:ticket.reopened',
    ];
    const expectVendor = ['6:ticket.forwarded', '9:ticket.closed', '10:ticket.reopened'];
    await eventually(
      'every party to receive its deliveries',
      async () => {
        const [mila, bela, vendor] = await Promise.all([received('demo-mila', id), received('demo-bela', id), received('demo-vendor', id)]);
        return mila.length === expectMila.length && bela.length === expectBela.length && vendor.length === expectVendor.length;
      },
      20_000,
    );
    expect(await received('demo-mila', id)).toEqual(expectMila);
    expect(await received('demo-bela', id)).toEqual(expectBela);
    expect(await received('demo-vendor', id)).toEqual(expectVendor);
  });

  it('lets exactly one of two concurrent updates on the same version win; the other gets 412', async () => {
    const created = await stack.api.call('POST', '/v1/tickets', {
      as: 'demo-mila',
      body: { externalId: 'MILA-RACE', type: 'question', subject: 'Race', serviceId: 'svc-demo-wohngeld', impact: 3, urgency: 3, channel: 'email' },
    });
    const etag = created.headers.get('etag')!;
    const [a, b] = await Promise.all([
      stack.api.call('POST', '/v1/tickets/{ticketId}/acknowledgement', {
        as: 'demo-bela',
        params: { ticketId: created.data.id },
        body: { externalId: 'A' },
        headers: { 'if-match': etag },
      }),
      stack.api.call('POST', '/v1/tickets/{ticketId}/cancel', {
        as: 'demo-mila',
        params: { ticketId: created.data.id },
        body: { reason: 'doch erledigt' },
        headers: { 'if-match': etag },
      }),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 412]);
    const loser = a.status === 412 ? a : b;
    expect(loser.body).toMatchObject({ type: 'urn:drehscheibe:problem:version-mismatch', currentVersion: 2 });
  });

  it('answers 404 to a participant that is not party to the ticket', async () => {
    const created = await stack.api.call('POST', '/v1/tickets', {
      as: 'demo-mila',
      body: { externalId: 'MILA-PRIVATE', type: 'question', subject: 'Privat', serviceId: 'svc-demo-wohngeld', impact: 3, urgency: 3, channel: 'email' },
    });
    const r = await stack.api.call('GET', '/v1/tickets/{ticketId}', { as: 'demo-vendor', params: { ticketId: created.data.id } });
    expect(r.status).toBe(404);
  });

  it('delivers a service notice, signed, to a subscribed participant', async () => {
    await stack.api.call('PUT', '/v1/services/{serviceId}/subscription', { as: 'demo-mila', params: { serviceId: 'svc-demo-wohngeld' } });
    const published = await stack.api.call('POST', '/v1/services/{serviceId}/notices', {
      as: 'demo-bela',
      params: { serviceId: 'svc-demo-wohngeld' },
      body: { kind: 'outage', startsAt: new Date().toISOString(), text: 'Der Bezahldienst ist gestört.' },
    });
    expect(published.status).toBe(201);
    const notice = await eventually('the notice delivery', async () => {
      const { items } = await stack.simulator<{ items: Array<{ signatureVersion: string; body: { type: string; notice?: { id: string; text: string } } }> }>(
        'GET',
        '/participants/demo-mila/deliveries',
      );
      return items.find((d) => d.body.type === 'service.notice_published');
    });
    expect(notice.signatureVersion).toBe('v1a');
    expect(notice.body.notice).toMatchObject({ id: published.data.id, text: 'Der Bezahldienst ist gestört.' });
  });

  it('hands every event exactly once to a feed poller while four writers create tickets', async () => {
    const feed = async (after?: string) =>
      (await stack.api.call('GET', `/v1/events?limit=20${after ? `&after=${after}` : ''}` as '/v1/events', { as: 'demo-vendor' })).data as {
        items: Array<{ id: string; ticketId: string }>;
        nextCursor: string;
      };
    // The vendor polls; the writers route every ticket to it explicitly.
    let cursor = (await feed()).nextCursor;
    let writing = true;
    const writers = Promise.all(
      [0, 1, 2, 3].map(async (w) => {
        const ids: string[] = [];
        for (let i = 0; i < 10; i++) {
          const r = await stack.api.call('POST', '/v1/tickets', {
            as: 'demo-mila',
            body: {
              externalId: `FEED-${w}-${i}`,
              type: 'question',
              subject: 'Feed',
              serviceId: 'svc-demo-wohngeld',
              impact: 3,
              urgency: 3,
              channel: 'email',
              assignee: { participantId: 'demo-vendor' },
            },
          });
          ids.push(r.data.id);
        }
        return ids;
      }),
    ).finally(() => (writing = false));
    const seen: string[] = [];
    const tickets: string[] = [];
    const drain = async () => {
      for (;;) {
        const page = await feed(cursor);
        seen.push(...page.items.map((e) => e.id));
        tickets.push(...page.items.map((e) => e.ticketId));
        if (page.nextCursor === cursor || page.items.length === 0) return;
        cursor = page.nextCursor;
      }
    };
    while (writing) await drain();
    const created = (await writers).flat();
    await drain();
    expect(new Set(seen).size).toBe(seen.length);
    expect(tickets.sort()).toEqual([...created].sort());
  });
});
