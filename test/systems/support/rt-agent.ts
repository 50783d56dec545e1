import type { RtInstance, RtUser } from './rt-instance.js';

/**
 * A person (or the hub) working one RT instance through REST2, for the system
 * tests: a small typed client over the calls the tests need, authenticated
 * with the user's auth token (`Authorization: token …`: no CSRF check, no
 * password hashing per call).
 *
 * REST2 habits it hides: ids arrive as strings; a user is named by
 * `Creator.id` (the user's name, e.g. `RT_System`); `PUT /ticket/:id`
 * answers 200 with a list of messages even when part of the update was
 * refused, so setStatus reads the ticket back; collections carry no total
 * (`total` and `pages` are null), so pages are read until one comes back short.
 */

type Json = Record<string, unknown>;

export interface RtTicket {
  id: number;
  subject: string;
  status: string;
  queue: number;
  priority: string;
  /** User names. */
  creator: string;
  lastUpdatedBy: string;
  /** ISO time, to the second. */
  created: string;
  lastUpdated: string;
  resolved: string;
  /** The first value of each custom field by name; undefined when empty. */
  customFields: Record<string, string | undefined>;
}

export interface RtTransaction {
  id: number;
  /** The ticket's id. */
  ticket: number;
  /** `Create`, `Correspond`, `Comment`, `Status`, `CustomField`, `Set`, … */
  type: string;
  /** The user's name: `agent`, `drehscheibe`, `RT_System`, … */
  creator: string;
  created: string;
  /** `Status` for status changes; a custom field's id (as a string) for `CustomField`; '' for messages. */
  field: string;
  oldValue: string;
  newValue: string;
  /** The message text of `Create`, `Correspond` and `Comment` (when asked for). */
  text?: string;
}

export interface RtMessage {
  content: string;
  /** Sets the ticket's status in the same call. */
  status?: string;
  /** Custom field values by name. */
  customFields?: Record<string, string>;
}

export interface NewRtTicket {
  subject: string;
  content: string;
  /** Default: the instance's queue. */
  queue?: string;
  priority?: number;
  customFields?: Record<string, string>;
}

/** Thrown for a non-2xx answer; carries the status and the body. */
export class RtError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
    what: string,
  ) {
    super(`RT answered ${status} to ${what}: ${body.slice(0, 500)}`);
  }
}

const MESSAGE_TYPES = new Set(['Create', 'Correspond', 'Comment']);
const PAGE = 100;

const str = (value: unknown): string => (value === null || value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value));
/** The `id` of a REST2 object reference ({ type, id, _url }). */
const ref = (value: unknown): string => str((value as Json | undefined)?.id);

export class RtAgent {
  readonly user: RtUser;
  private readonly restUrl: string;
  private readonly queueName: string;

  /** As `user` of `instance` (default: its human agent). */
  constructor(instance: RtInstance, user: RtUser = instance.users.agent) {
    this.user = user;
    this.restUrl = instance.restUrl;
    this.queueName = instance.queue.name;
  }

  /** Creates a ticket in the queue; resolves with its id. */
  async createTicket(ticket: NewRtTicket): Promise<number> {
    const body: Json = {
      Queue: ticket.queue ?? this.queueName,
      Subject: ticket.subject,
      Content: ticket.content,
      ContentType: 'text/plain',
      ...(ticket.priority === undefined ? {} : { Priority: ticket.priority }),
      ...(ticket.customFields ? { CustomFields: ticket.customFields } : {}),
    };
    const created = (await this.call('POST', '/ticket', body)) as Json;
    return Number(created.id);
  }

  /** A reply (correspondence), optionally with a status and custom fields in the same call; resolves with RT's messages. */
  reply(ticket: number, message: RtMessage): Promise<string[]> {
    return this.message(ticket, 'correspond', message);
  }

  /** An internal comment, optionally with a status and custom fields in the same call; resolves with RT's messages. */
  comment(ticket: number, message: RtMessage): Promise<string[]> {
    return this.message(ticket, 'comment', message);
  }

  /** Sets the status with `PUT /ticket/:id`, then reads it back: throws when RT did not apply it (it answers 200 anyway). */
  async setStatus(ticket: number, status: string): Promise<string[]> {
    const messages = await this.update(ticket, { Status: status });
    const now = await this.ticket(ticket);
    if (now.status !== status) throw new Error(`RT kept ticket ${ticket} ${now.status}, not ${status}: ${messages.join('; ')}`);
    return messages;
  }

  /** `PUT /ticket/:id` with REST2 field names; resolves with RT's messages (refusals among them: read back). */
  async update(ticket: number, fields: Json): Promise<string[]> {
    return (await this.call('PUT', `/ticket/${ticket}`, fields)) as string[];
  }

  async ticket(id: number): Promise<RtTicket> {
    const t = (await this.call('GET', `/ticket/${id}`)) as Json;
    const customFields: Record<string, string | undefined> = {};
    for (const field of (t.CustomFields ?? []) as Array<{ name: string; values: string[] }>) customFields[field.name] = field.values[0];
    return {
      id: Number(t.id),
      subject: str(t.Subject),
      status: str(t.Status),
      queue: Number(ref(t.Queue)),
      priority: str(t.Priority),
      creator: ref(t.Creator),
      lastUpdatedBy: ref(t.LastUpdatedBy),
      created: str(t.Created),
      lastUpdated: str(t.LastUpdated),
      resolved: str(t.Resolved),
      customFields,
    };
  }

  /** The ticket's transactions, oldest first; with `text`, the text of each message. */
  ticketTransactions(ticket: number, options: { text?: boolean } = {}): Promise<RtTransaction[]> {
    return this.transactions(`ObjectType = 'RT::Ticket' AND ObjectId = ${ticket}`, options);
  }

  /** Transactions matching TransactionSQL (e.g. `ObjectType = 'RT::Ticket' AND id > 40`), oldest first, every page. */
  async transactions(query: string, options: { text?: boolean } = {}): Promise<RtTransaction[]> {
    const found: RtTransaction[] = [];
    for (let page = 1; ; page++) {
      const params = new URLSearchParams({
        query,
        fields: 'Type,Creator,Created,ObjectId,Field,OldValue,NewValue',
        orderby: 'id',
        order: 'ASC',
        per_page: String(PAGE),
        page: String(page),
      });
      const answer = (await this.call('GET', `/transactions?${params.toString()}`)) as { items: Json[] };
      for (const item of answer.items) {
        const transaction: RtTransaction = {
          id: Number(item.id),
          ticket: Number(item.ObjectId),
          type: str(item.Type),
          creator: ref(item.Creator),
          created: str(item.Created),
          field: str(item.Field),
          oldValue: str(item.OldValue),
          newValue: str(item.NewValue),
        };
        if (options.text && MESSAGE_TYPES.has(transaction.type)) transaction.text = await this.text(transaction.id);
        found.push(transaction);
      }
      if (answer.items.length < PAGE) return found;
    }
  }

  /** A transaction's text: its first text/plain part (REST2 gives attachment content as plain text in the collection). */
  async text(transaction: number): Promise<string> {
    // Not `Parent` in fields: REST2 5.0.3 answers 500 with an empty body for a top-level part (Parent 0).
    const answer = (await this.call('GET', `/transaction/${transaction}/attachments?fields=Content,ContentType&per_page=${PAGE}`)) as {
      items: Array<{ Content?: string; ContentType?: string }>;
    };
    const parts = answer.items.filter((part) => part.Content);
    return (parts.find((part) => part.ContentType === 'text/plain') ?? parts[0])?.Content ?? '';
  }

  private async message(ticket: number, kind: 'correspond' | 'comment', message: RtMessage): Promise<string[]> {
    const body: Json = {
      Content: message.content,
      ContentType: 'text/plain',
      ...(message.status ? { Status: message.status } : {}),
      ...(message.customFields ? { CustomFields: message.customFields } : {}),
    };
    return (await this.call('POST', `/ticket/${ticket}/${kind}`, body)) as string[];
  }

  private async call(method: string, path: string, body?: Json): Promise<unknown> {
    const response = await fetch(`${this.restUrl}${path}`, {
      method,
      headers: { authorization: `token ${this.user.token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(30_000),
    });
    const text = await response.text();
    if (!response.ok) throw new RtError(response.status, text, `${method} ${path}`);
    return text ? (JSON.parse(text) as unknown) : undefined;
  }
}
