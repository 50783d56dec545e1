import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A ticket system that is not built into the hub ("Helpdesk"), as a small
 * in-memory system behind real HTTP: what the generic REST connector is
 * tested against, and what docs/connectors.md connects as its worked example.
 *
 * - `GET /api/changes?after=<id>&limit=<n>`: its change log, oldest first,
 *   `{changes: [{id, ticket, kind, author, at, …}], more}`; kinds are
 *   `created` (subject, description, status), `note` (text) and `status`
 *   (status, resolution).
 * - `POST /api/tickets`, `POST /api/tickets/:id/notes`, `PATCH /api/tickets/:id`:
 *   writes, by the user the credential belongs to. A write with an
 *   `Idempotency-Key` it has seen answers what it answered then and changes nothing.
 * - Every request must authenticate (basic, bearer or an `X-Api-Key`
 *   header); anything else answers 401. Every write is recorded.
 * - A note on a `solved` ticket reopens it by itself, as user `automation`
 *   (like Request Tracker's RT_System), as its own change right after the note.
 */

export type HelpdeskStatus = 'new' | 'open' | 'pending' | 'solved' | 'closed';

export interface HelpdeskTicket {
  id: string;
  subject: string;
  description: string;
  status: HelpdeskStatus;
  resolution?: string;
  notes: Array<{ author: string; text: string }>;
}

export interface HelpdeskChange {
  id: number;
  ticket: string;
  kind: 'created' | 'note' | 'status';
  author: string;
  at: string;
  subject?: string;
  description?: string;
  status?: HelpdeskStatus;
  resolution?: string;
  text?: string;
}

/** One write through the API, as the system received it. */
export interface HelpdeskWrite {
  method: string;
  path: string;
  author: string;
  body: unknown;
  headers: Record<string, string | string[] | undefined>;
  status: number;
}

/** The system's users and their credentials, one of each kind. */
export interface HelpdeskCredentials {
  basic?: Record<string, string>;
  bearer?: Record<string, string>;
  apiKey?: Record<string, string>;
}

export const AUTOMATION_USER = 'automation';
const STATUSES: readonly HelpdeskStatus[] = ['new', 'open', 'pending', 'solved', 'closed'];

export class HelpdeskSystem {
  readonly tickets = new Map<string, HelpdeskTicket>();
  readonly log: HelpdeskChange[] = [];
  readonly writes: HelpdeskWrite[] = [];
  /** Every request's Authorization / X-Api-Key header was checked; these were refused. */
  readonly refusedAuth: string[] = [];
  private readonly idempotent = new Map<string, { status: number; body: unknown }>();
  private nextTicket = 1;
  private refusals: number[] = [];
  private held?: { author: string; arrived: (write: HelpdeskWrite) => void; released: Promise<void> };
  private server?: Server;
  private clock: () => Date = () => new Date();

  constructor(private readonly credentials: HelpdeskCredentials) {}

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      void this.handle(req, res).catch((e: unknown) => this.send(res, 500, { error: String(e) }));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
    this.server = undefined;
  }

  /** Time stamps of changes made from now on (e.g. in the past, so that they count as settled). */
  setClock(clock: () => Date): void {
    this.clock = clock;
  }

  /** The next requests answer these statuses, one each, and change nothing. */
  refuseNext(...statuses: number[]): void {
    this.refusals.push(...statuses);
  }

  /**
   * The next write by `author` is applied and recorded as usual, but its
   * answer is held back until `release()`: a caller that dies meanwhile
   * (kill -9) never learns that its write arrived.
   */
  holdNextAnswer(author: string): { arrived: Promise<HelpdeskWrite>; release: () => void } {
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let arrived!: (write: HelpdeskWrite) => void;
    const arrival = new Promise<HelpdeskWrite>((r) => (arrived = r));
    this.held = { author, arrived, released };
    return { arrived: arrival, release };
  }

  // What people (and the system itself) do in the system's own UI.

  createTicket(author: string, subject: string, description = ''): HelpdeskTicket {
    const ticket: HelpdeskTicket = { id: `HD-${this.nextTicket++}`, subject, description, status: 'new', notes: [] };
    this.tickets.set(ticket.id, ticket);
    this.record({ ticket: ticket.id, kind: 'created', author, subject, description, status: 'new' });
    return ticket;
  }

  addNote(author: string, ticketId: string, text: string): void {
    const ticket = this.ticket(ticketId);
    ticket.notes.push({ author, text });
    this.record({ ticket: ticketId, kind: 'note', author, text });
    if (ticket.status === 'solved') this.setStatus(AUTOMATION_USER, ticketId, 'open');
  }

  setStatus(author: string, ticketId: string, status: HelpdeskStatus, resolution?: string): void {
    const ticket = this.ticket(ticketId);
    ticket.status = status;
    ticket.resolution = resolution;
    this.record({ ticket: ticketId, kind: 'status', author, status, ...(resolution ? { resolution } : {}) });
  }

  private ticket(id: string): HelpdeskTicket {
    const ticket = this.tickets.get(id);
    if (!ticket) throw new Error(`no ticket ${id}`);
    return ticket;
  }

  private record(change: Omit<HelpdeskChange, 'id' | 'at'>): void {
    this.log.push({ id: this.log.length + 1, at: this.clock().toISOString(), ...change });
  }

  private author(req: IncomingMessage): string | undefined {
    const authorization = req.headers.authorization ?? '';
    const apiKey = req.headers['x-api-key'];
    if (authorization.startsWith('Basic ')) {
      const [user, ...rest] = Buffer.from(authorization.slice(6), 'base64').toString('utf8').split(':');
      return this.credentials.basic?.[user] === rest.join(':') ? user : undefined;
    }
    if (authorization.startsWith('Bearer ')) {
      return Object.entries(this.credentials.bearer ?? {}).find(([, token]) => token === authorization.slice(7))?.[0];
    }
    if (typeof apiKey === 'string') {
      return Object.entries(this.credentials.apiKey ?? {}).find(([, key]) => `Key ${key}` === apiKey)?.[0];
    }
    return undefined;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://helpdesk');
    const method = req.method ?? 'GET';
    const author = this.author(req);
    if (!author) {
      this.refusedAuth.push(`${method} ${url.pathname}`);
      return this.send(res, 401, { error: 'authentication required' });
    }
    const refusal = this.refusals.shift();
    if (refusal !== undefined) return this.send(res, refusal, { error: 'refused on purpose' });

    if (method === 'GET' && url.pathname === '/api/changes') {
      const after = Number(url.searchParams.get('after') ?? 0);
      const limit = Number(url.searchParams.get('limit') ?? 100);
      const newer = this.log.filter((c) => c.id > after);
      return this.send(res, 200, { changes: newer.slice(0, limit), more: newer.length > limit });
    }

    let body: Record<string, unknown>;
    try {
      body = raw === '' ? {} : (JSON.parse(raw) as Record<string, unknown>);
    } catch {
      return this.send(res, 400, { error: 'not JSON' });
    }
    const key = req.headers['idempotency-key'];
    const seen = typeof key === 'string' ? this.idempotent.get(key) : undefined;
    const answer = seen ?? this.write(method, url.pathname, author, body);
    if (typeof key === 'string' && !seen && answer.status < 300) this.idempotent.set(key, answer);
    const write: HelpdeskWrite = { method, path: url.pathname, author, body, headers: req.headers, status: answer.status };
    this.writes.push(write);
    const held = this.held;
    if (held?.author === author) {
      this.held = undefined;
      held.arrived(write);
      await held.released;
      if (res.destroyed) return;
    }
    this.send(res, answer.status, answer.body);
  }

  private write(method: string, path: string, author: string, body: Record<string, unknown>): { status: number; body: unknown } {
    if (method === 'POST' && path === '/api/tickets') {
      if (typeof body.subject !== 'string') return { status: 422, body: { error: 'subject is required' } };
      const ticket = this.createTicket(author, body.subject, typeof body.description === 'string' ? body.description : '');
      return { status: 201, body: ticket };
    }
    const match = /^\/api\/tickets\/([^/]+)(\/notes)?$/.exec(path);
    const ticket = match ? this.tickets.get(decodeURIComponent(match[1])) : undefined;
    if (!match || !ticket) return { status: 404, body: { error: 'no such ticket' } };
    if (method === 'POST' && match[2]) {
      if (typeof body.text !== 'string') return { status: 422, body: { error: 'text is required' } };
      this.addNote(author, ticket.id, body.text);
      return { status: 201, body: ticket };
    }
    if (method === 'PATCH' && !match[2]) {
      if (typeof body.text === 'string' && body.text !== '') this.addNote(author, ticket.id, body.text);
      if (body.status !== undefined) {
        if (!STATUSES.includes(body.status as HelpdeskStatus)) return { status: 422, body: { error: `unknown status ${JSON.stringify(body.status)}` } };
        if (body.status !== ticket.status)
          this.setStatus(author, ticket.id, body.status as HelpdeskStatus, typeof body.resolution === 'string' ? body.resolution : undefined);
      }
      return { status: 200, body: ticket };
    }
    return { status: 405, body: { error: 'method not allowed' } };
  }

  private send(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }
}
