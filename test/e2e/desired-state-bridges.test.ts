import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createHubClient, type components, type HubClient, type Middleware } from '@drehscheibe/client';
import { loadOpenApiDocument, SpecValidator } from '@drehscheibe/contracts';
import { bridge, type Mapping } from '../../docs/examples/bridge.js';
import { systemA, systemB } from '../../docs/examples/mappings.js';
import { startInProcessHub, type InProcessHub } from '../support/in-process-hub.js';
import { eventually } from '../support/stack.js';
import { TicketSystem } from '../support/ticket-system-simulator.js';

/**
 * Issue 14, "Done when": two ticket systems with different status models, each
 * behind the worked bridge of docs/integration.md, against the real hub. A MiLa
 * runs system A (new/open/pending/resolved/closed), a BeLa system B (like
 * Request Tracker: new/open/stalled/resolved, no closed). Every real change
 * gives exactly the hub events it should; repeating anything (the bridges
 * again, journals and feeds replayed, the same desired state twice) gives none;
 * and both systems end in the hub's state, mapped, and stay there.
 */
const ROOT = resolve(import.meta.dirname ?? '.', '../..');
type EventType = components['schemas']['EventType'];
type Bridge = ReturnType<typeof bridge>;

let hub: InProcessHub;
beforeAll(async () => {
  hub = await startInProcessHub();
}, 90_000);
afterAll(() => hub?.close());

/** Every answer the bridges get is checked against the OpenAPI document; their ticket writes are noted with the Source-Ref outcome. */
const validator = new SpecValidator(loadOpenApiDocument());
const writes: string[] = [];
const checked: Middleware = {
  async onResponse({ request, response, schemaPath }) {
    const text = await response.clone().text();
    const type = response.headers.get('content-type') ?? undefined;
    if (validator.has(request.method, schemaPath)) {
      const violations = validator.validateResponse(
        request.method,
        schemaPath,
        response.status,
        type,
        text && type?.includes('json') ? JSON.parse(text) : text,
      );
      if (violations.length > 0) throw new Error(`${request.method} ${schemaPath} → ${response.status} breaks the contract: ${JSON.stringify(violations)}`);
    }
    if (request.method !== 'GET' && schemaPath.startsWith('/v1/tickets/')) {
      writes.push(`${request.method} ${schemaPath} ${response.status} ${response.headers.get('source-ref-outcome')}`);
    }
    return undefined;
  },
};
const client = (participant: string): HubClient => createHubClient({ baseUrl: hub.url, credentials: hub.credentials[participant], middleware: [checked] });

interface World {
  a: TicketSystem;
  b: TicketSystem;
  mila: Bridge;
  bela: Bridge;
  /** Where each bridge's feed started (replaying the feed goes back there). */
  start: Map<Bridge, string>;
}

/** The end of a participant's feed now: a bridge connected today starts there, not at other tests' tickets. */
async function feedEnd(as: string): Promise<string> {
  for (let after: string | undefined; ;) {
    const page = (await hub.api.call('GET', '/v1/events', { as, query: { after, limit: 200 } })).data;
    if (page.items.length === 0) return page.nextCursor;
    after = page.nextCursor;
  }
}

async function connect(name: string): Promise<World> {
  const a = new TicketSystem(`${name}-A`, ['new', 'open', 'pending', 'resolved', 'closed']);
  const b = new TicketSystem(`${name}-B`, ['new', 'open', 'stalled', 'resolved']);
  const mila = bridge(client('demo-mila'), a, systemA);
  const bela = bridge(client('demo-bela'), b, systemB);
  mila.state.cursor = await feedEnd('demo-mila');
  bela.state.cursor = await feedEnd('demo-bela');
  return { a, b, mila, bela, start: new Map([mila, bela].map((br) => [br, br.state.cursor!])) };
}

const localOf = (br: Bridge, hubId: string) => br.state.links.find((l) => l.hub === hubId)?.local;
const mapped = (map: Mapping, status: components['schemas']['TicketStatus']) => map.fromHub[status] ?? status;
const hubTicket = async (id: string) => (await hub.api.call('GET', '/v1/tickets/{ticketId}', { as: 'demo-mila', params: { ticketId: id } })).data;
const hubEvents = async (id: string) => (await hub.api.call('GET', '/v1/tickets/{ticketId}/events', { as: 'demo-mila', params: { ticketId: id } })).data.items;

/** The hub's ticket and both systems' copies of it. */
async function snapshot(w: World, id: string) {
  const [ticket, events] = await Promise.all([hubTicket(id), hubEvents(id)]);
  const [aId, bId] = [localOf(w.mila, id)!, localOf(w.bela, id)!];
  return {
    hub: { status: ticket.status, version: ticket.version, assignee: ticket.assignee.participantId, events: events.map((e) => e.type) },
    a: { status: w.a.status(aId), journal: w.a.journal().filter((e) => e.ticketId === aId).length },
    b: { status: w.b.status(bId), journal: w.b.journal().filter((e) => e.ticketId === bId).length },
  };
}
type Snapshot = Awaited<ReturnType<typeof snapshot>>;

/**
 * Runs both bridges until a round has nothing to do, the hub has at least
 * `events` events for the ticket and both systems show its status (mapped).
 * No sleeps: the condition is polled.
 */
function settle(w: World, id: () => string | undefined, events: number): Promise<Snapshot> {
  return eventually(
    `the bridges to carry ${events} events to both systems`,
    async () => {
      const handled = (await w.mila.sync()) + (await w.bela.sync());
      const ticketId = id();
      if (handled > 0 || !ticketId) return false;
      const s = await snapshot(w, ticketId);
      return s.hub.events.length >= events && s.a.status === mapped(systemA, s.hub.status) && s.b.status === mapped(systemB, s.hub.status) && s;
    },
    20_000,
  );
}

/** Repeats everything that can be repeated and shows that none of it changes anything, anywhere. */
async function expectRepeatsChangeNothing(w: World, id: string): Promise<void> {
  const before = await snapshot(w, id);
  expect((await w.mila.sync()) + (await w.bela.sync())).toBe(0);

  // Journals and feeds replayed from the start (a bridge that lost its state): every write is
  // already applied (same Source-Ref), every event already seen.
  writes.length = 0;
  for (const br of [w.mila, w.bela]) Object.assign(br.state, { watermark: 0, cursor: w.start.get(br) });
  expect((await w.mila.sync()) + (await w.bela.sync())).toBe(0);
  expect(writes.length).toBeGreaterThan(0);
  expect(writes.filter((r) => !r.endsWith(' 200 already-applied'))).toEqual([]);

  // The same desired state again, by either side and without a source reference: no step.
  const status = before.hub.status as components['schemas']['TicketStateInput']['status'];
  for (const as of ['demo-mila', 'demo-bela']) {
    const again = await hub.api.call('PUT', '/v1/tickets/{ticketId}/state', { as, params: { ticketId: id }, body: { status, text: 'noch einmal' } });
    expect(again.data.steps).toEqual([]);
  }
  expect(await snapshot(w, id)).toEqual(before);
}

/** A ticket's play: each step's local change, then exactly the hub events it must give, then the repeats. */
function play(w: World, created: { ticketId: string }) {
  let id: string | undefined;
  let seen = 0;
  const ticketId = () => (id ??= w.mila.state.links.find((l) => l.local === created.ticketId)?.hub);
  return {
    id: () => ticketId()!,
    async expectEvents(expected: EventType[]): Promise<Snapshot> {
      const s = await settle(w, ticketId, seen + expected.length);
      expect(s.hub.events.slice(seen)).toEqual(expected);
      seen = s.hub.events.length;
      await expectRepeatsChangeNothing(w, ticketId()!);
      return s;
    },
  };
}

const agent = { author: 'agent' };

describe('two ticket systems behind the worked bridge, over desired state', () => {
  it('create, question, answer, resolve, reopen, late rejection, withdrawal: one event per change, none per repeat', async () => {
    const w = await connect('journey');
    const created = w.a.create('Bescheid-Download leer', agent);
    const t = play(w, created);
    const aId = created.ticketId;

    // A's new ticket is forwarded to the BeLa; B's bridge takes it in and acknowledges it with B's number.
    let s = await t.expectEvents(['ticket.forwarded', 'ticket.acknowledged']);
    const bId = localOf(w.bela, t.id())!;
    expect(await hubTicket(t.id())).toMatchObject({ status: 'acknowledged', assignee: { participantId: 'demo-bela', externalId: bId } });
    expect(s).toMatchObject({ a: { status: 'open' }, b: { status: 'new' } });

    w.b.setStatus(bId, 'open', agent);
    s = await t.expectEvents(['ticket.status_changed']);
    expect(s.hub.status).toBe('in_progress');

    // B asks (stalled); A sees the question, pending.
    w.b.setStatus(bId, 'stalled', { ...agent, text: 'Welcher Bescheid genau?' });
    s = await t.expectEvents(['ticket.status_changed']);
    expect(s).toMatchObject({ hub: { status: 'waiting' }, a: { status: 'pending' } });
    expect(w.a.ticket(aId).comments.at(-1)).toEqual({ author: 'hub-bridge', text: 'Welcher Bescheid genau?' });

    // A answers and sets its ticket open (one change in A, like RT's reply that sets a status):
    // the hub records the words and the return to work.
    w.a.setStatus(aId, 'open', { ...agent, text: 'Wohngeldbescheid vom 3.11.' });
    s = await t.expectEvents(['ticket.comment_added', 'ticket.status_changed']);
    expect((await hubEvents(t.id())).at(-1)).toMatchObject({ actor: { participantId: 'demo-mila' }, data: { status: 'in_progress', answered: true } });
    expect(s).toMatchObject({ hub: { status: 'in_progress' }, b: { status: 'open' } });
    expect(w.b.ticket(bId).comments.map((c) => c.text)).toContain('Wohngeldbescheid vom 3.11.');

    w.b.setStatus(bId, 'resolved', { ...agent, text: 'Vorlage repariert', code: 'solved' });
    s = await t.expectEvents(['ticket.resolved']);
    expect(s).toMatchObject({ hub: { status: 'resolved', assignee: 'demo-mila' }, a: { status: 'resolved' } });

    // A reopens: back to B, which resolved it.
    w.a.setStatus(aId, 'open', { ...agent, text: 'Zweiter Bescheid ebenfalls leer' });
    s = await t.expectEvents(['ticket.reopened']);
    expect(s).toMatchObject({ hub: { status: 'in_progress', assignee: 'demo-bela' }, b: { status: 'open' } });

    // B rejects late, "not ours after all" (in B: resolved, code not_ours): the ticket returns to the MiLa.
    w.b.setStatus(bId, 'resolved', { ...agent, text: 'Nicht unser Dienst; zuständig ist Bremen', code: 'not_ours' });
    s = await t.expectEvents(['ticket.rejected']);
    expect(s).toMatchObject({ hub: { status: 'rejected', assignee: 'demo-mila' }, a: { status: 'open' }, b: { status: 'resolved' } });
    expect(w.a.ticket(aId).comments.at(-1)?.text).toBe('Nicht unser Dienst; zuständig ist Bremen');

    // A closes its ticket; nobody resolved it, so at the hub the MiLa withdraws it.
    w.a.setStatus(aId, 'closed', { ...agent, text: 'Bürgerin an Bremen verwiesen' });
    s = await t.expectEvents(['ticket.cancelled']);
    expect(s).toMatchObject({ hub: { status: 'cancelled' }, a: { status: 'closed' }, b: { status: 'resolved' } });

    // No oscillation: the bridges run again, twice, and nothing moves.
    const first = await snapshot(w, t.id());
    await w.mila.sync();
    await w.bela.sync();
    const second = await snapshot(w, t.id());
    await w.bela.sync();
    await w.mila.sync();
    expect(second).toEqual(first);
    expect(await snapshot(w, t.id())).toEqual(first);
    expect(first.hub.events).toEqual([
      'ticket.forwarded',
      'ticket.acknowledged',
      'ticket.status_changed',
      'ticket.status_changed',
      'ticket.comment_added',
      'ticket.status_changed',
      'ticket.resolved',
      'ticket.reopened',
      'ticket.rejected',
      'ticket.cancelled',
    ]);
  });

  it('B resolves and A closes: the hub closes, B (which has no closed) stays resolved', async () => {
    const w = await connect('closing');
    const created = w.a.create('Antrag lässt sich nicht absenden', agent);
    const t = play(w, created);
    await t.expectEvents(['ticket.forwarded', 'ticket.acknowledged']);
    const bId = localOf(w.bela, t.id())!;

    w.b.setStatus(bId, 'open', agent);
    await t.expectEvents(['ticket.status_changed']);
    w.b.setStatus(bId, 'resolved', { ...agent, text: 'Formularserver neu gestartet', code: 'solved' });
    let s = await t.expectEvents(['ticket.resolved']);
    expect(s.a.status).toBe('resolved');

    w.a.setStatus(created.ticketId, 'closed', { ...agent, text: 'Bürgerin informiert' });
    s = await t.expectEvents(['ticket.closed']);
    expect(s).toMatchObject({ hub: { status: 'closed' }, a: { status: 'closed' }, b: { status: 'resolved' } });
    expect(() => w.b.setStatus(bId, 'closed', agent)).toThrow(/has no status closed/);
    expect((await w.mila.sync()) + (await w.bela.sync())).toBe(0);
    expect(await snapshot(w, t.id())).toEqual(s);
  });

  it('both sides change at once: the later write stands at the hub, and both systems follow it', async () => {
    const w = await connect('race');
    const created = w.a.create('Zahlung hängt', agent);
    const t = play(w, created);
    await t.expectEvents(['ticket.forwarded', 'ticket.acknowledged']);
    const [aId, bId] = [created.ticketId, localOf(w.bela, t.id())!];
    w.b.setStatus(bId, 'stalled', { ...agent, text: 'Welche Zahlungsart?' });
    await t.expectEvents(['ticket.status_changed']);

    // A answers while B, not waiting for it, resolves. A's bridge runs first, so B's resolution
    // comes after the answer at the hub; B keeps the answer's words, not its older status.
    w.a.setStatus(aId, 'open', { ...agent, text: 'Lastschrift' });
    w.b.setStatus(bId, 'resolved', { ...agent, text: 'Zahlung von Hand gebucht', code: 'solved' });
    let s = await t.expectEvents(['ticket.comment_added', 'ticket.status_changed', 'ticket.resolved']);
    expect(s).toMatchObject({ hub: { status: 'resolved' }, a: { status: 'resolved' }, b: { status: 'resolved' } });
    expect(w.b.ticket(bId).comments.map((c) => c.text)).toContain('Lastschrift');

    // A reopens; B's user asks a question while B's bridge is between pushing and reading the
    // feed. The user's change wins: the reopening brings its reason, and B's question goes out next.
    w.a.setStatus(aId, 'open', { ...agent, text: 'Wieder abgebucht' });
    expect(await w.mila.sync()).toBe(1);
    expect(await w.bela.push()).toBe(0);
    w.b.setStatus(bId, 'stalled', { ...agent, text: 'Von welchem Konto?' });
    await eventually('B to read the reopening', async () => (await w.bela.pull()) > 0);
    expect(w.b.ticket(bId).status).toBe('stalled');
    expect(w.b.ticket(bId).comments).toContainEqual({ author: 'hub-bridge', text: 'Wieder abgebucht' });
    s = await t.expectEvents(['ticket.reopened', 'ticket.status_changed']);
    expect(s).toMatchObject({ hub: { status: 'waiting', assignee: 'demo-bela' }, a: { status: 'pending' }, b: { status: 'stalled' } });
  });

  it('shows in docs/integration.md exactly the bridge and mappings of docs/examples, the bridge under 100 lines', () => {
    const docs = readFileSync(join(ROOT, 'docs/integration.md'), 'utf8');
    const start = docs.indexOf('\n## Worked example: a bridge in under 100 lines');
    expect(start).toBeGreaterThan(0);
    const end = docs.indexOf('\n## ', start + 1);
    const blocks = [...docs.slice(start, end === -1 ? undefined : end).matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
    const bridgeFile = readFileSync(join(ROOT, 'docs/examples/bridge.ts'), 'utf8');
    expect(blocks).toEqual([bridgeFile, readFileSync(join(ROOT, 'docs/examples/mappings.ts'), 'utf8')]);
    expect(bridgeFile.trimEnd().split('\n').length).toBeLessThan(100);
  });
});
