// A bridge between one participant's ticket system and the hub, both ways, over desired state. Journal → hub:
// each local change once (`Source-Ref`: its journal id). Feed → local: each hub event once (by ticket version).
import type { components, HubClient } from '@drehscheibe/client';

type S = components['schemas'];
/** A change in the local system's journal (Request Tracker: a transaction). */
export interface JournalEntry {
  id: number;
  ticketId: string;
  kind: 'create' | 'comment' | 'status';
  author: string;
  status: string; // the ticket's local status after the change
  text?: string; // the subject of a creation, a comment, or the words with a status change
  code?: string; // what kind of resolution (a custom field)
}
/** What the bridge needs of the local system: its journal and three writes. */
export interface LocalSystem {
  readonly name: string;
  journal(after: number): JournalEntry[];
  create(subject: string, by: { author: string }): JournalEntry;
  comment(ticketId: string, text: string, by: { author: string }): unknown;
  setStatus(ticketId: string, status: string, by: { author: string; text?: string }): unknown;
  status(ticketId: string): string;
}
/** One participant's statuses both ways (a hub status missing in `fromHub` has the same local name). */
export interface Mapping {
  toHub(entry: JournalEntry, hubStatus: S['TicketStatus']): S['TicketStateInput'] | undefined;
  fromHub: Partial<Record<S['TicketStatus'], string>>;
  newTicket?(entry: JournalEntry): S['TicketCreate'];
}

const ok = <T>({ data, error, response }: { data?: T; error?: unknown; response: Response }): T => {
  if (data === undefined) throw new Error(`${response.url}: ${response.status} ${JSON.stringify(error)}`);
  return data;
};

/** `sync()` runs one round both ways and answers how much it handled (0: in sync). Keep `state` durable. */
export function bridge(hub: HubClient, local: LocalSystem, map: Mapping, me = 'hub-bridge') {
  const links: Array<{ local: string; hub: string; seen: number; wrote: number }> = [];
  const state = { watermark: 0, cursor: undefined as string | undefined, links };
  /** Journal → hub. Our own entries are echoes, except taking a ticket in: that acknowledges it. */
  async function push(handled = 0): Promise<number> {
    for (const e of local.journal(state.watermark)) {
      if (e.author !== me || e.kind === 'create') handled += await send(e);
      state.watermark = e.id;
    }
    return handled;
  }
  async function send(e: JournalEntry): Promise<number> {
    const link = links.find((l) => l.local === e.ticketId);
    const header = { 'Source-Ref': `${local.name}-${e.id}` };
    if (e.kind === 'create' && e.author !== me) {
      if (link || !map.newTicket) return 0; // known already (a replay), or tickets do not start here
      const ticket = ok(await hub.POST('/v1/tickets', { params: { header: { 'Idempotency-Key': header['Source-Ref'] } }, body: map.newTicket(e) }));
      return links.push({ local: e.ticketId, hub: ticket.id, seen: 0, wrote: ticket.version }) && 1;
    }
    if (!link) return 0;
    const params = { path: { ticketId: link.hub }, header };
    let wrote: number | undefined; // the version our write made, when it changed something
    if (e.kind === 'comment') {
      const answer = await hub.POST('/v1/tickets/{ticketId}/comments', { params, body: { text: e.text!, visibility: 'public' } });
      const ticket = ok(answer);
      if (answer.response.headers.get('source-ref-outcome') === 'applied') wrote = ticket.version;
    } else {
      const { status } = ok(await hub.GET('/v1/tickets/{ticketId}', { params: { path: params.path } }));
      const body = e.kind === 'create' ? { status: 'acknowledged' as const, externalId: e.ticketId } : map.toHub(e, status);
      if (body) wrote = ok(await hub.PUT('/v1/tickets/{ticketId}/state', { params, body })).steps.at(-1)?.ticketVersion;
    }
    link.wrote = wrote ?? link.wrote;
    return wrote ? 1 : 0;
  }
  /** Feed → local. The feed leaves out our own changes. */
  async function pull(handled = 0): Promise<number> {
    for (;;) {
      const page = ok(await hub.GET('/v1/events', { params: { query: { after: state.cursor, limit: 100 } } }));
      for (const ev of page.items) if (ev.type !== 'service.notice_published') handled += apply(ev);
      state.cursor = page.nextCursor;
      if (page.items.length === 0) return handled;
    }
  }
  function apply(ev: S['Delivery']): number {
    if (ev.type === 'ticket.forwarded' && !links.some((l) => l.hub === ev.ticketId)) {
      links.push({ local: local.create(ev.ticket.subject, { author: me }).ticketId, hub: ev.ticketId, seen: 0, wrote: 0 });
    }
    const link = links.find((l) => l.hub === ev.ticketId);
    if (!link || ev.ticketVersion <= link.seen) return 0; // not ours, or applied before
    link.seen = ev.ticketVersion;
    const { comment, reason, resolution, note } = ev.data;
    const text = comment?.text ?? reason ?? resolution?.text ?? note;
    // A status that our own later write overtook is history; so is one while the user changed ours since the push.
    const userChanged = local.journal(state.watermark).some((e) => e.ticketId === link.local && e.author !== me);
    const now = local.status(link.local);
    const status = ev.ticketVersion > link.wrote && !userChanged ? (map.fromHub[ev.ticket.status] ?? ev.ticket.status) : now;
    if (status !== now) local.setStatus(link.local, status, { author: me, text });
    else if (text) local.comment(link.local, text, { author: me });
    return 1;
  }
  return { state, push, pull, sync: async () => (await push()) + (await pull()) };
}
