import type { NativeRequest } from '@drehscheibe/mapping';
import type { ConnectorConfig } from '../connector-config.js';
import type { RequestObserver } from '../http/system-http.js';
import { RtClient } from './rt-client.js';
import { SystemError, type PollResult, type SystemChange, type SystemConnector, type WriteContext, type WriteOutcome } from '../system-connector.js';
import {
  authorOf,
  WORDS,
  groupChanges,
  primaryOf,
  statusChangeOf,
  statusesAfter,
  type GroupingRules,
  type RtChangeGroup,
  type RtTransaction,
} from './rt-changes.js';

const API = '/REST/2.0';
const FIELDS = 'Type,Creator,Created,ObjectId,Field,OldValue,NewValue';
const PAGE = 100;
/** A ticket that keeps changing is applied after this many settle times anyway. */
const MAX_HOLD_SETTLES = 10;

/**
 * How far RT's transactions are read: every one up to `transactionId`, and
 * on the tickets listed, up to their own id (tickets read past a change that
 * is still settling elsewhere).
 */
interface RtWatermark {
  transactionId: number;
  tickets?: Record<string, number>;
}

interface RtTicket {
  id: number | string;
  Status: string;
  Queue: { id: string } | string;
  [field: string]: unknown;
}

interface RtCollection<T> {
  items: T[];
}

const q = (sql: string): string => encodeURIComponent(sql);

/**
 * Request Tracker 5 through REST2. Reads RT's transaction log after a
 * watermark (ids are global and only grow), groups each ticket's
 * transactions into logical changes, leaves out the hub's own writes and
 * RT's reactions to them, and gives each change the ticket as it was after
 * it. Writes are the profile's rendered requests; whether a write that a
 * crash interrupted reached RT is read from RT itself: a ticket carrying the
 * hub's ticket id, or a transaction of the hub's user after the last one
 * seen before the write.
 */
export class Rt5Connector implements SystemConnector {
  private readonly http: RtClient;
  private readonly rules: GroupingRules;
  /** When this process first saw a transaction (the settle clock: local, so RT's one-second timestamps and clock skew do not matter). */
  private readonly firstSeen = new Map<string, number>();
  private queueId?: string;
  /** How often the hub's status had to be set again after RT's own reaction overrode it. */
  repairs = 0;

  constructor(
    private readonly config: ConnectorConfig,
    observe?: RequestObserver,
    private readonly clock: () => number = Date.now,
  ) {
    this.http = new RtClient(config, observe);
    this.rules = {
      systemUser: config.settings.systemUser ?? 'drehscheibe',
      automaticUsers: new Set(config.settings.automaticUsers ?? ['RT_System']),
    };
  }

  async poll(stored: Record<string, unknown> | null): Promise<PollResult> {
    if (!stored) {
      // A new connector starts at RT's present: the history before it is not the hub's.
      return { changes: [], echoes: 0, watermark: { transactionId: await this.lastTransactionId() }, more: false };
    }
    const watermark = stored as unknown as RtWatermark;
    const done = watermark.tickets ?? {};
    const page = await this.http.get<RtCollection<RtTransaction>>(
      `${API}/transactions?query=${q(`ObjectType = 'RT::Ticket' AND id > ${watermark.transactionId}`)}&fields=${FIELDS}&orderby=id&order=ASC&per_page=${PAGE}`,
    );
    const now = this.clock();
    const byTicket = new Map<string, RtTransaction[]>();
    for (const t of page.items) {
      if (!this.firstSeen.has(t.id)) this.firstSeen.set(t.id, now);
      if (Number(t.id) <= (done[t.ObjectId] ?? 0)) continue;
      const list = byTicket.get(t.ObjectId) ?? [];
      list.push(t);
      byTicket.set(t.ObjectId, list);
    }
    const settleMs = this.config.settings.settleMs;
    let heldFrom = Infinity;
    const readTo: Record<string, number> = {};
    const changes: Array<SystemChange & { first: number }> = [];
    let echoes = 0;
    for (const [ticketId, transactions] of byTicket) {
      const newest = transactions[transactions.length - 1];
      const waited = now - this.firstSeen.get(transactions[0].id)!;
      if (now - this.firstSeen.get(newest.id)! < settleMs && waited < settleMs * MAX_HOLD_SETTLES) {
        // Still moving: a reply's status change or RT's reaction may follow. Read it whole next time
        // (but not forever: a ticket that never stops moving, a robot's, must not hold all others back).
        heldFrom = Math.min(heldFrom, Number(transactions[0].id));
        continue;
      }
      readTo[ticketId] = Number(newest.id);
      const ticket = await this.http.get<RtTicket>(`${API}/ticket/${ticketId}`);
      if (!(await this.inQueue(ticket))) continue;
      const previous = this.rules.automaticUsers.has(authorOf(transactions[0])) ? await this.authorBefore(ticketId, transactions[0].id) : undefined;
      const groups = groupChanges(ticketId, transactions, this.rules, previous);
      const statuses = statusesAfter(groups, ticket.Status);
      for (const [i, group] of groups.entries()) {
        if (group.echo) {
          echoes += group.transactions.length;
          if (i === groups.length - 1) await this.repair(ticketId, group, statuses[i], ticket.Status);
          continue;
        }
        const primary = primaryOf(group);
        const content = WORDS.has(primary.Type) ? await this.contentOf(primary.id) : undefined;
        const status = statusChangeOf(group);
        changes.push({
          first: Number(group.transactions[0].id),
          sourceRef: `rt-txn-${primary.id}`,
          at: new Date(primary.Created),
          payload: {
            ticket: { ...ticket, Status: statuses[i] },
            transaction: { ...primary, Creator: group.author, ...(content === undefined ? {} : { Content: content }) },
            change: {
              author: group.author,
              ...(status ? { status } : {}),
              transactions: group.transactions.map((t) => ({ id: t.id, Type: t.Type, Field: t.Field, OldValue: t.OldValue, NewValue: t.NewValue })),
            },
          },
        });
      }
    }
    changes.sort((a, b) => a.first - b.first);
    const last = page.items.length ? Number(page.items[page.items.length - 1].id) : watermark.transactionId;
    const next: RtWatermark =
      heldFrom === Infinity
        ? { transactionId: last }
        : {
            transactionId: heldFrom - 1,
            tickets: Object.fromEntries(Object.entries({ ...done, ...readTo }).filter(([, id]) => id > heldFrom - 1)),
          };
    for (const id of this.firstSeen.keys()) if (Number(id) <= next.transactionId) this.firstSeen.delete(id);
    return { changes: changes.map(({ first: _first, ...change }) => change), echoes, watermark: { ...next }, more: page.items.length === PAGE };
  }

  async before(request: NativeRequest, context: WriteContext): Promise<Record<string, unknown>> {
    if (isCreate(request)) return { create: true, hubTicketId: context.ticketId };
    const ticket = ticketOf(request);
    return { ticket, lastTransactionId: ticket ? await this.lastTransactionId(ticket) : 0 };
  }

  async write(request: NativeRequest): Promise<WriteOutcome> {
    const answer = await this.http.request(request.method, request.path, request.body, request.headers);
    // RT answers 200 even when it refused part of an update: read the status back.
    const wanted = (request.body as { Status?: unknown } | null)?.Status;
    const ticket = ticketOf(request);
    if (typeof wanted === 'string' && ticket && (await this.statusOf(ticket)) !== wanted) {
      // RT's own reaction to a reply (RT_System opening a new or resolved ticket) can land after the
      // status the reply set; the status is set once more, the words are not repeated.
      await this.http.request('PUT', `${API}/ticket/${ticket}`, { Status: wanted });
      const now = await this.statusOf(ticket);
      if (now !== wanted) {
        const said = Array.isArray(answer.body) ? answer.body.map(String).join('; ').slice(0, 300) : '';
        throw new SystemError('system-refused', `RT did not set status ${wanted} on ticket ${ticket} (it is ${now})${said ? `: ${said}` : ''}`);
      }
    }
    return answer;
  }

  async confirm(request: NativeRequest, before: Record<string, unknown>): Promise<WriteOutcome | null> {
    if (before.create) {
      const field = this.config.settings.ticketField ?? 'Drehscheibe Ticket';
      const found = await this.http.get<RtCollection<{ id: string }>>(
        `${API}/tickets?query=${q(`'CF.{${field}}' = '${String(before.hubTicketId).replace(/'/g, '')}'`)}&per_page=1`,
      );
      return found.items.length ? { status: 201, body: { id: found.items[0].id } } : null;
    }
    if (!before.ticket) return null;
    const after = await this.http.get<RtCollection<RtTransaction>>(
      `${API}/transactions?query=${q(`ObjectType = 'RT::Ticket' AND ObjectId = ${Number(before.ticket)} AND id > ${Number(before.lastTransactionId)}`)}&fields=Creator&per_page=50`,
    );
    return after.items.some((t) => authorOf(t) === this.rules.systemUser) ? { status: 200, body: [] } : null;
  }

  /**
   * RT reacted to the hub's write after it (RT_System opening a new or
   * resolved ticket a moment after a reply that set another status): the
   * reaction is the hub's own echo, so it is not applied to the hub, and the
   * status the hub wrote is set again, so both sides agree.
   */
  private async repair(ticketId: string, group: RtChangeGroup, statusAfter: string, statusNow: string): Promise<void> {
    const changes = group.transactions.filter((t) => t.Type === 'Status');
    const ours = changes.filter((t) => authorOf(t) === this.rules.systemUser).pop();
    const last = changes[changes.length - 1];
    if (!ours || !last || last === ours || !this.rules.automaticUsers.has(authorOf(last))) return;
    const wanted = ours.NewValue;
    if (!wanted || statusAfter === wanted || statusNow !== statusAfter) return;
    await this.http.request('PUT', `${API}/ticket/${ticketId}`, { Status: wanted });
    this.repairs++;
  }

  private async statusOf(ticket: string): Promise<string> {
    return (await this.http.get<RtTicket>(`${API}/ticket/${ticket}`)).Status;
  }

  private async lastTransactionId(ticket?: string): Promise<number> {
    const where = ticket ? `ObjectType = 'RT::Ticket' AND ObjectId = ${Number(ticket)}` : `ObjectType = 'RT::Ticket'`;
    const page = await this.http.get<RtCollection<{ id: string }>>(`${API}/transactions?query=${q(where)}&orderby=id&order=DESC&per_page=1`);
    return page.items.length ? Number(page.items[0].id) : 0;
  }

  private async authorBefore(ticketId: string, transactionId: string): Promise<string | undefined> {
    const page = await this.http.get<RtCollection<RtTransaction>>(
      `${API}/transactions?query=${q(`ObjectType = 'RT::Ticket' AND ObjectId = ${Number(ticketId)} AND id < ${Number(transactionId)}`)}&fields=Creator&orderby=id&order=DESC&per_page=1`,
    );
    return page.items[0] && authorOf(page.items[0]);
  }

  private async contentOf(transactionId: string): Promise<string | undefined> {
    const parts = await this.http.get<RtCollection<{ ContentType?: string; Content?: string }>>(
      `${API}/transaction/${transactionId}/attachments?fields=Content,ContentType`,
    );
    const plain = parts.items.find((p) => p.ContentType === 'text/plain' && p.Content);
    if (plain) return plain.Content!.trim();
    const html = parts.items.find((p) => p.ContentType === 'text/html' && p.Content);
    return html?.Content?.replace(/<[^>]*>/g, ' ')
      .replace(/\s+/g, ' ')
      .trim();
  }

  private async inQueue(ticket: RtTicket): Promise<boolean> {
    const queue = this.config.settings.queue;
    if (!queue) return true;
    this.queueId ??= String((await this.http.get<{ id: string | number }>(`${API}/queue/${encodeURIComponent(queue)}`)).id);
    return String(typeof ticket.Queue === 'string' ? ticket.Queue : ticket.Queue.id) === this.queueId;
  }
}

const isCreate = (request: NativeRequest): boolean => request.method === 'POST' && /\/ticket\/?$/.test(request.path);

/** RT's ticket number in a request path (`/REST/2.0/ticket/123/correspond`). */
const ticketOf = (request: NativeRequest): string | undefined => /\/ticket\/(\d+)/.exec(request.path)?.[1];
