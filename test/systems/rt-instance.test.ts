import { RtAgent, RtError } from './support/rt-agent.js';
import { startRtInstance, type RtInstance } from './support/rt-instance.js';

/**
 * The harness itself: two real Request Tracker 5 instances side by side, a
 * human agent working a ticket through REST2, and the hub's user reading what
 * happened (tickets, custom fields, transactions with their authors and text).
 */

let mila: RtInstance;
let bela: RtInstance;

beforeAll(async () => {
  // At the same time: both wait for the one initialised database of this process.
  [mila, bela] = await Promise.all([startRtInstance({ name: 'mila' }), startRtInstance({ name: 'bela', firstTicketId: 50_001 })]);
});
afterAll(async () => {
  await Promise.all([mila?.stop(), bela?.stop()]);
});

/** GET a REST2 path with a token; the status. */
async function statusOf(instance: RtInstance, path: string, token: string): Promise<number> {
  const response = await fetch(`${instance.restUrl}${path}`, { headers: { authorization: `token ${token}` } });
  await response.arrayBuffer();
  return response.status;
}

describe('RT instances for the system tests', () => {
  it('serve REST2 side by side, each with its own users, tokens and ticket numbers', async () => {
    expect(mila.baseUrl).not.toBe(bela.baseUrl);
    expect(mila.restUrl).toBe(`${mila.baseUrl}/REST/2.0`);
    for (const instance of [mila, bela]) {
      expect(await statusOf(instance, '/rt', instance.hubToken)).toBe(200);
      expect(await statusOf(instance, '/rt', instance.agentToken)).toBe(200);
      expect(instance.queue.name).toBe('Drehscheibe');
      expect(Object.keys(instance.customFields).sort()).toEqual(['Drehscheibe Resolution', 'Drehscheibe Service', 'Drehscheibe Ticket']);
      expect(new Set([instance.users.hub.name, instance.users.agent.name, instance.users.colleague.name]).size).toBe(3);
    }
    // A token is only good where it was made.
    expect(await statusOf(bela, '/rt', mila.hubToken)).toBe(401);
    expect(await statusOf(mila, '/rt', bela.agentToken)).toBe(401);

    const inMila = await new RtAgent(mila).createTicket({ subject: 'Nur in MiLa', content: 'eins' });
    const inBela = await new RtAgent(bela).createTicket({ subject: 'Nur in BeLa', content: 'zwei' });
    expect(inMila).toBeLessThan(50_001);
    expect(inBela).toBeGreaterThanOrEqual(50_001);
    await expect(new RtAgent(bela, bela.users.hub).ticket(inMila)).rejects.toMatchObject({ status: 404 });
    await expect(new RtAgent(mila, mila.users.hub).ticket(inBela)).rejects.toBeInstanceOf(RtError);
    expect((await new RtAgent(mila, mila.users.hub).ticket(inMila)).subject).toBe('Nur in MiLa');
  });

  it("lets the agent create and answer a ticket, and the hub's user read it, its custom fields, transactions and text", async () => {
    const agent = new RtAgent(mila);
    const hub = new RtAgent(mila, mila.users.hub);
    const id = await agent.createTicket({
      subject: 'Hundesteuer: Bescheid fehlt',
      content: 'Der Bescheid kam nie an.\nBitte prüfen.',
      priority: 50,
      customFields: { 'Drehscheibe Service': 'hundesteuer-anmeldung' },
    });
    await agent.reply(id, { content: 'Wir sehen nach.' });
    await agent.comment(id, { content: 'Intern: Druckstraße prüfen' });

    const ticket = await hub.ticket(id);
    expect(ticket).toMatchObject({ id, subject: 'Hundesteuer: Bescheid fehlt', creator: 'agent', priority: '50', queue: mila.queue.id });
    expect(ticket.customFields).toEqual({
      'Drehscheibe Service': 'hundesteuer-anmeldung',
      'Drehscheibe Ticket': undefined,
      'Drehscheibe Resolution': undefined,
    });
    // A reply on a new ticket opens it: RT_System's own transaction, right after the reply.
    expect(ticket.status).toBe('open');

    const history = await hub.ticketTransactions(id, { text: true });
    expect(history.map(({ type, creator, field, oldValue, newValue, text }) => ({ type, creator, field, oldValue, newValue, text }))).toEqual([
      { type: 'Create', creator: 'agent', field: '', oldValue: '', newValue: '', text: 'Der Bescheid kam nie an.\nBitte prüfen.' },
      { type: 'Correspond', creator: 'agent', field: '', oldValue: '', newValue: '', text: 'Wir sehen nach.' },
      { type: 'Status', creator: 'RT_System', field: 'Status', oldValue: 'new', newValue: 'open', text: undefined },
      { type: 'Comment', creator: 'agent', field: '', oldValue: '', newValue: '', text: 'Intern: Druckstraße prüfen' },
    ]);
    expect(history.every((t) => t.ticket === id)).toBe(true);
    expect(history.map((t) => t.id)).toEqual([...history.map((t) => t.id)].sort((a, b) => a - b));
    expect(history[0].created).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

    // Transactions after a watermark, across the queue: what a connector polls.
    const after = await hub.transactions(`ObjectType = 'RT::Ticket' AND id > ${history[1].id}`);
    expect(after.map((t) => t.id)).toEqual([history[2].id, history[3].id]);
  });

  it('records a solution with its resolution code in one reply, and RT_System reopening the ticket on a later reply', async () => {
    const agent = new RtAgent(mila);
    const hub = new RtAgent(mila, mila.users.hub);
    const id = await agent.createTicket({ subject: 'Formular hängt', content: 'Seite lädt nicht.' });
    await agent.setStatus(id, 'open');
    await agent.reply(id, { content: 'Cache geleert, geht wieder.', status: 'resolved', customFields: { 'Drehscheibe Resolution': 'workaround_provided' } });
    const resolved = await hub.ticket(id);
    expect(resolved.status).toBe('resolved');
    expect(resolved.customFields['Drehscheibe Resolution']).toBe('workaround_provided');
    const watermark = Math.max(...(await hub.ticketTransactions(id)).map((t) => t.id));

    // The requester's side answers once more: RT reopens the ticket by itself.
    await new RtAgent(mila, mila.users.colleague).reply(id, { content: 'Bei mir hängt es noch.' });
    const later = await hub.transactions(`ObjectType = 'RT::Ticket' AND ObjectId = ${id} AND id > ${watermark}`, { text: true });
    expect(later.map(({ type, creator, oldValue, newValue, text }) => ({ type, creator, oldValue, newValue, text }))).toEqual([
      { type: 'Correspond', creator: 'colleague', oldValue: '', newValue: '', text: 'Bei mir hängt es noch.' },
      { type: 'Status', creator: 'RT_System', oldValue: 'resolved', newValue: 'open', text: undefined },
    ]);
    expect((await hub.ticket(id)).status).toBe('open');

    // The resolution custom field's change is its own transaction, naming the field by id.
    const fieldChanges = (await hub.ticketTransactions(id)).filter((t) => t.type === 'CustomField');
    expect(fieldChanges).toEqual([
      expect.objectContaining({ creator: 'agent', field: String(mila.customFields['Drehscheibe Resolution']), newValue: 'workaround_provided' }),
    ]);

    // PUT answers 200 with a refusal inside; setStatus reads back and says so.
    await expect(agent.setStatus(id, 'no-such-status')).rejects.toThrow(/kept ticket \d+ open/);
  });

  it('stop() ends every process of an instance; the other one keeps serving', async () => {
    const processes = bela.processes();
    expect(processes).toContain(bela.pid);
    expect(processes.length).toBeGreaterThan(1); // the Starlet master and its workers
    await bela.stop();
    expect(bela.processes()).toEqual([]);
    await expect(fetch(`${bela.restUrl}/rt`)).rejects.toThrow();
    expect(await statusOf(mila, '/rt', mila.hubToken)).toBe(200);
  });
});
