/**
 * A Land's own ticket system, in process, for bridge tests: its own status
 * model, its own tickets, and a change journal whose entries have increasing
 * ids (like Request Tracker's transactions or OTRS's history ids). Every
 * change is exactly one journal entry; setting the status a ticket already
 * has writes none. Who made a change is recorded (`author`), so a bridge can
 * tell its own writes from the users'.
 */

/** One change, as the system's journal shows it. */
export interface JournalEntry {
  /** The system's own id of the change; increases by one per change. */
  id: number;
  ticketId: string;
  kind: 'create' | 'comment' | 'status';
  author: string;
  /** The ticket's status after the change. */
  status: string;
  /** The words of the change: a new ticket's subject, the comment, or the note that came with a status change. */
  text?: string;
  /** A code that came with a status change (a resolution code, as a custom field of the system). */
  code?: string;
}

export interface LocalTicket {
  id: string;
  subject: string;
  status: string;
  comments: Array<{ author: string; text: string }>;
}

/** Who makes a change, and what comes with it. */
export interface ChangeBy {
  author: string;
  text?: string;
  code?: string;
}

export class TicketSystem {
  private readonly tickets = new Map<string, LocalTicket>();
  private readonly entries: JournalEntry[] = [];

  /**
   * @param name the system's name; ticket numbers are `<name>-<n>`
   * @param statuses its status model; the first is a new ticket's status
   */
  constructor(
    readonly name: string,
    readonly statuses: readonly string[],
  ) {}

  create(subject: string, by: ChangeBy): JournalEntry {
    const ticket: LocalTicket = { id: `${this.name}-${this.tickets.size + 1}`, subject, status: this.statuses[0], comments: [] };
    this.tickets.set(ticket.id, ticket);
    return this.record(ticket, 'create', { ...by, text: subject });
  }

  comment(ticketId: string, text: string, by: ChangeBy): JournalEntry {
    const ticket = this.ticket(ticketId);
    ticket.comments.push({ author: by.author, text });
    return this.record(ticket, 'comment', { ...by, text });
  }

  /** Changes the status; none when the ticket has it already (and nothing is journalled). */
  setStatus(ticketId: string, status: string, by: ChangeBy): JournalEntry | undefined {
    if (!this.statuses.includes(status)) throw new Error(`${this.name} has no status ${status} (only ${this.statuses.join(', ')})`);
    const ticket = this.ticket(ticketId);
    if (ticket.status === status) return undefined;
    ticket.status = status;
    if (by.text) ticket.comments.push({ author: by.author, text: by.text });
    return this.record(ticket, 'status', by);
  }

  status(ticketId: string): string {
    return this.ticket(ticketId).status;
  }

  ticket(ticketId: string): LocalTicket {
    const ticket = this.tickets.get(ticketId);
    if (!ticket) throw new Error(`${this.name} has no ticket ${ticketId}`);
    return ticket;
  }

  list(): LocalTicket[] {
    return [...this.tickets.values()];
  }

  /** The journal after entry `after` (0: all of it), oldest first. */
  journal(after = 0): JournalEntry[] {
    return this.entries.filter((e) => e.id > after).map((e) => ({ ...e }));
  }

  private record(ticket: LocalTicket, kind: JournalEntry['kind'], by: ChangeBy): JournalEntry {
    const entry: JournalEntry = {
      id: this.entries.length + 1,
      ticketId: ticket.id,
      kind,
      author: by.author,
      status: ticket.status,
      ...(by.text ? { text: by.text } : {}),
      ...(by.code ? { code: by.code } : {}),
    };
    this.entries.push(entry);
    return { ...entry };
  }
}
