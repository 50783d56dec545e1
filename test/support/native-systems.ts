import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/**
 * Two ticket systems outside the hub's control, as small but faithful fakes
 * behind real HTTP: Znuny (GenericTicketConnectorREST in, a `Ticket::Generic`
 * invoker out) and ServiceNow (Table API in, an "after insert/update"
 * business rule out). Both report EVERY change of a ticket to the hub, also
 * the changes the hub itself made through their API (the echo a mapping
 * profile must not turn into events), one webhook at a time, in order,
 * after the API answer (like an asynchronous invoker or business rule).
 */

type Json = Record<string, unknown>;

/** Where a system posts its webhooks: the hub's native-in URL and the headers the participant's binding wants. */
export interface HubHook {
  url: string;
  headers(body: string): Record<string, string>;
}

/** One webhook the system posted, and what the hub answered. */
export interface WebhookRecord {
  event: string;
  ticket: string;
  /** Caused by a write of the hub through the system's API (an echo), not by an agent. */
  echo: boolean;
  status: number;
  /** `outcome` of a 2xx answer (`created`, `applied`, `unchanged`, …). */
  outcome?: string;
  /** For a refusal: `mapping.code` of a `mapping-failed` problem, else the problem's `type`. */
  problem?: string;
  /** The ticket version the hub answered. */
  ticketVersion?: number;
}

/** One request the hub made to the system's API. */
export interface ApiWrite {
  method: string;
  path: string;
  /** What the system did: `create`, `update`. */
  kind: string;
  ticket: string;
  body: unknown;
  /** The system's error, when it refused the request. */
  error?: string;
}

/** The system's own clock: one minute per change, so that time stamps (to the second) never collide. */
class SystemClock {
  private at: number;
  constructor(start: string) {
    this.at = Date.parse(start);
  }
  tick(): string {
    this.at += 60_000;
    return new Date(this.at).toISOString().slice(0, 19).replace('T', ' ');
  }
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? (JSON.parse(text) as unknown) : undefined;
}

abstract class FakeSystem {
  readonly writes: ApiWrite[] = [];
  readonly webhooks: WebhookRecord[] = [];
  /** Requests to paths the system does not serve (e.g. the hub's endpoint challenge). */
  readonly unknownRequests: string[] = [];
  hook?: HubHook;
  url = '';
  private server?: Server;
  private chain: Promise<void> = Promise.resolve();
  private queued = 0;

  protected abstract route(method: string, path: string, body: unknown): { status: number; body: unknown; hooks: Array<() => Hook> } | undefined;

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((ok) => this.server!.listen(0, '127.0.0.1', ok));
    const address = this.server.address() as { port: number };
    this.url = `http://127.0.0.1:${address.port}`;
    return this;
  }

  async stop(): Promise<void> {
    await this.chain;
    await new Promise<void>((ok) => (this.server ? this.server.close(() => ok()) : ok()));
  }

  /** No webhook waiting to be sent or answered. */
  idle(): boolean {
    return this.queued === 0;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let answer: ReturnType<FakeSystem['route']>;
    try {
      const body = await readBody(req);
      answer = this.route(req.method ?? 'GET', (req.url ?? '/').split('?')[0], body);
    } catch (e) {
      answer = { status: 400, body: { error: (e as Error).message }, hooks: [] };
    }
    if (!answer) {
      this.unknownRequests.push(`${req.method} ${req.url}`);
      answer = { status: 404, body: { error: 'not found' }, hooks: [] };
    }
    const hooks = answer.hooks;
    // The webhooks go out after the answer, like an asynchronous invoker or business rule.
    res.once('finish', () => this.send(hooks));
    res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
  }

  /** Queues webhooks (built when sent, from the ticket as it is then); they go out one at a time, in order. */
  protected send(hooks: Array<() => Hook>): void {
    for (const build of hooks) {
      this.queued++;
      this.chain = this.chain
        .then(async () => {
          const { event, ticket, echo, payload } = build();
          const record: WebhookRecord = { event, ticket, echo, status: 0 };
          this.webhooks.push(record);
          if (!this.hook) return;
          const body = JSON.stringify(payload);
          const r = await fetch(this.hook.url, { method: 'POST', headers: { 'content-type': 'application/json', ...this.hook.headers(body) }, body });
          record.status = r.status;
          const answer = (await r.json().catch(() => ({}))) as Json;
          if (r.ok) {
            record.outcome = answer.outcome as string | undefined;
            record.ticketVersion = answer.ticketVersion as number | undefined;
          } else {
            record.problem = ((answer.mapping as Json | undefined)?.code as string | undefined) ?? (answer.type as string | undefined);
          }
        })
        .catch((e: unknown) => {
          this.webhooks.push({ event: 'send-failed', ticket: '', echo: false, status: -1, problem: String(e) });
        })
        .finally(() => this.queued--);
    }
  }
}

interface Hook {
  event: string;
  ticket: string;
  echo: boolean;
  payload: unknown;
}

// ---------------------------------------------------------------------------
// Znuny

export interface ZnunyArticle {
  ArticleID: string;
  TicketID: string;
  CommunicationChannel: string;
  SenderType: string;
  IsVisibleForCustomer: number;
  From: string;
  Subject: string;
  Body: string;
  ContentType: string;
  CreateTime: string;
  CreateBy: string;
}

export interface ZnunyTicket {
  TicketID: string;
  TicketNumber: string;
  Title: string;
  Queue: string;
  State: string;
  StateType: string;
  Priority: string;
  Type: string;
  CustomerUserID: string;
  Created: string;
  Changed: string;
  DynamicField: Array<{ Name: string; Value: unknown }>;
  Article: ZnunyArticle[];
}

const ZNUNY_STATES: Record<string, string> = {
  new: 'new',
  open: 'open',
  'pending reminder': 'pending reminder',
  'pending auto close+': 'pending auto',
  'pending auto close-': 'pending auto',
  'closed successful': 'closed',
  'closed unsuccessful': 'closed',
  merged: 'merged',
  removed: 'removed',
};
const ZNUNY_PRIORITIES = ['1 very low', '2 low', '3 normal', '4 high', '5 very high'];
const ZNUNY_DYNAMIC_FIELDS = ['DrehscheibeServiceID', 'DrehscheibeTicketID', 'DrehscheibeResolution'];

/** Who writes in Znuny: the web service's API user, and the agents. */
export const ZNUNY_API_USER = { id: '3', fullname: 'Drehscheibe Schnittstelle' };

/**
 * Znuny 7 with the Ready2Adopt web service GenericTicketConnectorREST
 * (`POST /Ticket` TicketCreate, `PATCH /Ticket/:TicketID` TicketUpdate,
 * checked like Kernel/GenericInterface/Operation/Ticket/TicketUpdate.pm:
 * an article needs Subject and Body, a pending state needs a PendingTime,
 * dynamic fields are a top-level `DynamicField`; errors are HTTP 200 with
 * `Error`, as the GenericInterface answers them) and a REST requester whose
 * `Ticket::Generic` invoker posts TicketCreate, TicketStateUpdate and
 * ArticleCreate with the ticket as TicketGet shows it after the change
 * (asynchronous invoker). The API user is the web service's
 * (`ZNUNY_API_USER`; credentials are added by a proxy in front of it).
 */
export class FakeZnuny extends FakeSystem {
  static readonly BASE = '/otrs/nph-genericinterface.pl/Webservice/GenericTicketConnectorREST';
  readonly tickets = new Map<string, ZnunyTicket>();
  private readonly clock = new SystemClock('2026-12-01T08:00:00Z');
  private nextTicketId = 1000;
  private nextArticleId = 90000;

  /** The web service's URL: the participant's endpoint URL in the hub. */
  get endpoint(): string {
    return this.url + FakeZnuny.BASE;
  }

  ticket(id: string): ZnunyTicket {
    const t = this.tickets.get(id);
    if (!t) throw new Error(`Znuny has no ticket ${id}`);
    return t;
  }

  // --- agents ---------------------------------------------------------------

  /** A phone ticket (AgentTicketPhone): TicketCreate and ArticleCreate for its first article. */
  createTicket(input: { title: string; body: string; priority: string; serviceId: string; customer: string; agent: string }): string {
    const now = this.clock.tick();
    const ticket = this.newTicket(now, { Title: input.title, Priority: input.priority, Type: 'Incident', CustomerUserID: input.customer });
    ticket.DynamicField.find((f) => f.Name === 'DrehscheibeServiceID')!.Value = input.serviceId;
    const article = this.addArticle(ticket, now, {
      CommunicationChannel: 'Phone',
      SenderType: 'customer',
      From: input.customer,
      Subject: input.title,
      Body: input.body,
      CreateBy: input.agent,
    });
    this.send([this.created(ticket, article, false), this.articleCreated(ticket, article, false)]);
    return ticket.TicketID;
  }

  /** A note by an agent, with a next state (AgentTicketNote): ArticleCreate, then TicketStateUpdate if the state changed. */
  note(ticketId: string, input: { body: string; agent: string; state?: string }): void {
    const ticket = this.ticket(ticketId);
    const now = this.clock.tick();
    const article = this.addArticle(ticket, now, {
      CommunicationChannel: 'Internal',
      SenderType: 'agent',
      From: input.agent,
      Subject: 'Notiz',
      Body: input.body,
      CreateBy: input.agent,
    });
    const hooks = [this.articleCreated(ticket, article, false)];
    if (input.state !== undefined) {
      const old = this.setState(ticket, input.state, now);
      if (old !== undefined) hooks.push(this.stateUpdated(ticket, old, false));
    }
    this.send(hooks);
  }

  /** A state change without a note (AgentTicketClose, the state field): TicketStateUpdate. */
  changeState(ticketId: string, state: string): void {
    const ticket = this.ticket(ticketId);
    const old = this.setState(ticket, state, this.clock.tick());
    if (old !== undefined) this.send([this.stateUpdated(ticket, old, false)]);
  }

  // --- the web service ------------------------------------------------------

  protected route(method: string, path: string, body: unknown): ReturnType<FakeSystem['route']> {
    if (!path.startsWith(FakeZnuny.BASE)) return undefined;
    const rest = path.slice(FakeZnuny.BASE.length);
    const data = (body ?? {}) as Json;
    if (method === 'POST' && rest === '/Ticket') return this.apiCreate(data);
    const update = /^\/Ticket\/([^/]+)$/.exec(rest);
    if (update && (method === 'PATCH' || method === 'PUT')) return this.apiUpdate(decodeURIComponent(update[1]), data, method, path);
    return undefined;
  }

  private refuse(write: ApiWrite, code: string, message: string): ReturnType<FakeSystem['route']> {
    write.error = `${code}: ${message}`;
    return { status: 200, body: { Error: { ErrorCode: code, ErrorMessage: message } }, hooks: [] };
  }

  private checkArticle(operation: string, article: unknown): string | undefined {
    if (article === undefined) return undefined;
    if (typeof article !== 'object' || article === null || Object.keys(article).length === 0) return `${operation}: Article parameter is not valid!`;
    for (const needed of ['Subject', 'Body'] as const) if (!(article as Json)[needed]) return `${operation}: Article->${needed} parameter is missing!`;
    if (!(article as Json).ContentType && !(article as Json).MimeType)
      return `${operation}: Article->ContentType or Ticket->MimeType and Article->Charset parameters are required!`;
    return undefined;
  }

  private checkDynamicFields(operation: string, fields: unknown): string | undefined {
    if (fields === undefined) return undefined;
    const list = Array.isArray(fields) ? fields : [fields];
    for (const f of list as Json[]) {
      if (typeof f?.Name !== 'string' || !ZNUNY_DYNAMIC_FIELDS.includes(f.Name)) return `${operation}: DynamicField->Name parameter is invalid!`;
      if (f.Value === undefined || f.Value === null) return `${operation}: DynamicField->Value parameter is missing!`;
    }
    return undefined;
  }

  private apiCreate(data: Json): ReturnType<FakeSystem['route']> {
    const write: ApiWrite = { method: 'POST', path: '/Ticket', kind: 'create', ticket: '', body: data };
    this.writes.push(write);
    const t = (data.Ticket ?? {}) as Json;
    for (const needed of ['Title', 'Queue', 'State', 'Priority', 'CustomerUser'] as const) {
      if (!t[needed]) return this.refuse(write, 'TicketCreate.MissingParameter', `TicketCreate: Ticket->${needed} parameter is missing!`);
    }
    if (!data.Article) return this.refuse(write, 'TicketCreate.MissingParameter', 'TicketCreate: Article parameter is missing or not valid!');
    const invalid =
      this.checkArticle('TicketCreate', data.Article) ??
      this.checkDynamicFields('TicketCreate', data.DynamicField) ??
      (ZNUNY_STATES[t.State as string] ? undefined : 'TicketCreate: Ticket->State parameter is invalid!') ??
      (ZNUNY_PRIORITIES.includes(t.Priority as string) ? undefined : 'TicketCreate: Ticket->Priority parameter is invalid!');
    if (invalid) return this.refuse(write, 'TicketCreate.InvalidParameter', invalid);
    const now = this.clock.tick();
    const ticket = this.newTicket(now, {
      Title: t.Title as string,
      Priority: t.Priority as string,
      Type: (t.Type as string) ?? 'Unclassified',
      CustomerUserID: t.CustomerUser as string,
    });
    ticket.Queue = t.Queue as string;
    this.setState(ticket, t.State as string, now);
    const a = data.Article as Json;
    const article = this.addArticle(ticket, now, {
      CommunicationChannel: (a.CommunicationChannel as string) ?? 'Internal',
      SenderType: (a.SenderType as string) ?? 'agent',
      IsVisibleForCustomer: (a.IsVisibleForCustomer as number) ?? 1,
      From: (a.From as string) ?? ZNUNY_API_USER.fullname,
      Subject: a.Subject as string,
      Body: a.Body as string,
      CreateBy: ZNUNY_API_USER.id,
    });
    this.setDynamicFields(ticket, data.DynamicField);
    write.ticket = ticket.TicketID;
    return {
      status: 200,
      body: { TicketID: ticket.TicketID, TicketNumber: ticket.TicketNumber, ArticleID: article.ArticleID },
      hooks: [this.created(ticket, article, true), this.articleCreated(ticket, article, true)],
    };
  }

  private apiUpdate(ticketId: string, data: Json, method: string, path: string): ReturnType<FakeSystem['route']> {
    const write: ApiWrite = { method, path: path.slice(FakeZnuny.BASE.length), kind: 'update', ticket: ticketId, body: data };
    this.writes.push(write);
    const ticket = this.tickets.get(ticketId);
    if (!ticket) return this.refuse(write, 'TicketUpdate.AccessDenied', 'TicketUpdate: User does not have access to the ticket!');
    const t = data.Ticket as Json | undefined;
    if (t !== undefined && (typeof t !== 'object' || t === null || Object.keys(t).length === 0)) {
      return this.refuse(write, 'TicketUpdate.InvalidParameter', 'TicketUpdate: Ticket parameter is not valid!');
    }
    const state = t?.State as string | undefined;
    const invalid =
      this.checkArticle('TicketUpdate', data.Article) ??
      this.checkDynamicFields('TicketUpdate', data.DynamicField) ??
      (state === undefined || ZNUNY_STATES[state] ? undefined : 'TicketUpdate: Ticket->StateID or Ticket->State parameter is invalid!');
    if (invalid) return this.refuse(write, 'TicketUpdate.InvalidParameter', invalid);
    if (state !== undefined && ZNUNY_STATES[state].startsWith('pending') && !t?.PendingTime) {
      return this.refuse(write, 'TicketUpdate.MissingParameter', "Can't set a ticket on a pending state without pendig time!");
    }
    // One request, one point in time; the state is set before the article is created (as _TicketUpdate does).
    const now = this.clock.tick();
    const hooks: Array<() => Hook> = [];
    if (state !== undefined) {
      const old = this.setState(ticket, state, now);
      if (old !== undefined) hooks.push(this.stateUpdated(ticket, old, true));
    }
    let articleId: string | undefined;
    if (data.Article !== undefined) {
      const a = data.Article as Json;
      const article = this.addArticle(ticket, now, {
        CommunicationChannel: (a.CommunicationChannel as string) ?? 'Internal',
        SenderType: (a.SenderType as string) ?? 'agent',
        IsVisibleForCustomer: (a.IsVisibleForCustomer as number) ?? 1,
        From: (a.From as string) ?? ZNUNY_API_USER.fullname,
        Subject: a.Subject as string,
        Body: a.Body as string,
        CreateBy: ZNUNY_API_USER.id,
      });
      articleId = article.ArticleID;
      hooks.push(this.articleCreated(ticket, article, true));
    }
    this.setDynamicFields(ticket, data.DynamicField);
    return { status: 200, body: { TicketID: ticket.TicketID, TicketNumber: ticket.TicketNumber, ...(articleId ? { ArticleID: articleId } : {}) }, hooks };
  }

  // --- the ticket -------------------------------------------------------------

  private newTicket(now: string, fields: Pick<ZnunyTicket, 'Title' | 'Priority' | 'Type' | 'CustomerUserID'>): ZnunyTicket {
    const id = String(++this.nextTicketId);
    const ticket: ZnunyTicket = {
      TicketID: id,
      TicketNumber: `20261201100${id}`,
      Queue: 'Bürgerservice::Onlinedienste',
      State: 'new',
      StateType: 'new',
      Created: now,
      Changed: now,
      DynamicField: ZNUNY_DYNAMIC_FIELDS.map((Name) => ({ Name, Value: null })),
      Article: [],
      ...fields,
    };
    this.tickets.set(id, ticket);
    return ticket;
  }

  private addArticle(
    ticket: ZnunyTicket,
    now: string,
    fields: Partial<ZnunyArticle> & Pick<ZnunyArticle, 'Subject' | 'Body' | 'From' | 'CreateBy'>,
  ): ZnunyArticle {
    const article: ZnunyArticle = {
      ArticleID: String(++this.nextArticleId),
      TicketID: ticket.TicketID,
      CommunicationChannel: 'Internal',
      SenderType: 'agent',
      IsVisibleForCustomer: 1,
      ContentType: 'text/plain; charset=utf8',
      CreateTime: now,
      ...fields,
    };
    ticket.Article.push(article);
    ticket.Changed = now;
    return article;
  }

  /** Sets the state; answers the old one if it changed (TicketStateSet does nothing for the same state). */
  private setState(ticket: ZnunyTicket, state: string, now: string): string | undefined {
    if (!ZNUNY_STATES[state]) throw new Error(`Znuny has no state ${state}`);
    if (ticket.State === state) return undefined;
    const old = ticket.State;
    ticket.State = state;
    ticket.StateType = ZNUNY_STATES[state];
    ticket.Changed = now;
    return old;
  }

  private setDynamicFields(ticket: ZnunyTicket, fields: unknown): void {
    if (fields === undefined) return;
    for (const f of (Array.isArray(fields) ? fields : [fields]) as Array<{ Name: string; Value: unknown }>) {
      ticket.DynamicField.find((d) => d.Name === f.Name)!.Value = f.Value;
    }
  }

  // --- the invoker's payloads (built when sent: TicketGet after the change) ----

  private ticketData(ticket: ZnunyTicket, withArticles: boolean): Json {
    const { Article, ...rest } = structuredClone(ticket);
    return withArticles ? { ...rest, Article } : rest;
  }

  private created(ticket: ZnunyTicket, article: ZnunyArticle, echo: boolean): () => Hook {
    return () => ({
      event: 'TicketCreate',
      ticket: ticket.TicketID,
      echo,
      payload: { Event: { Event: 'TicketCreate', TicketID: ticket.TicketID }, Ticket: this.ticketData(ticket, false), Article: structuredClone(article) },
    });
  }

  private articleCreated(ticket: ZnunyTicket, article: ZnunyArticle, echo: boolean): () => Hook {
    return () => ({
      event: 'ArticleCreate',
      ticket: ticket.TicketID,
      echo,
      payload: {
        Event: { Event: 'ArticleCreate', TicketID: ticket.TicketID, ArticleID: article.ArticleID },
        Ticket: this.ticketData(ticket, false),
        Article: structuredClone(article),
      },
    });
  }

  private stateUpdated(ticket: ZnunyTicket, oldState: string, echo: boolean): () => Hook {
    return () => ({
      event: 'TicketStateUpdate',
      ticket: ticket.TicketID,
      echo,
      payload: { Event: { Event: 'TicketStateUpdate', TicketID: ticket.TicketID }, Ticket: this.ticketData(ticket, true), OldTicketData: { State: oldState } },
    });
  }
}

// ---------------------------------------------------------------------------
// ServiceNow

export interface JournalEntry {
  element: 'comments' | 'work_notes';
  value: string;
  sys_created_by: string;
  sys_created_on: string;
}

/** An incident with the Table API's field names and string values; `journal` holds comments and work notes. */
export interface Incident {
  sys_id: string;
  number: string;
  short_description: string;
  description: string;
  state: string;
  impact: string;
  urgency: string;
  priority: string;
  category: string;
  contact_type: string;
  u_drehscheibe_service: string;
  correlation_id: string;
  correlation_display: string;
  hold_reason: string;
  close_code: string;
  close_notes: string;
  sys_mod_count: string;
  sys_created_on: string;
  sys_created_by: string;
  sys_updated_on: string;
  sys_updated_by: string;
  journal: JournalEntry[];
}

const SN_STATES = ['1', '2', '3', '6', '7', '8'];
const SN_WRITABLE = [
  'short_description',
  'description',
  'state',
  'impact',
  'urgency',
  'category',
  'contact_type',
  'u_drehscheibe_service',
  'correlation_id',
  'correlation_display',
  'hold_reason',
  'close_code',
  'close_notes',
] as const;

/** Who writes in ServiceNow: the integration user the hub's requests run as, and the agents. */
export const SERVICENOW_API_USER = 'drehscheibe.integration';

/**
 * A ServiceNow instance: the Table API for `incident` (`POST
 * /api/now/table/incident` answers 201 `{result}`, `PATCH
 * /api/now/table/incident/{sys_id}` answers 200 `{result}`; values are
 * strings; `comments` and `work_notes` are journal fields, write-only in the
 * record), and an "after insert/update" business rule that posts the record
 * with the journal entry of this update as `comments` / `work_notes` (empty
 * otherwise) and `sys_updated_by`. Requests run as `SERVICENOW_API_USER`.
 */
export class FakeServiceNow extends FakeSystem {
  readonly incidents = new Map<string, Incident>();
  private readonly clock = new SystemClock('2026-12-01T08:00:00Z');
  private nextNumber = 10030;

  incident(sysId: string): Incident {
    const i = this.incidents.get(sysId);
    if (!i) throw new Error(`ServiceNow has no incident ${sysId}`);
    return i;
  }

  /** The incident the hub created for its ticket (`correlation_id`). */
  byCorrelation(hubTicketId: string): Incident | undefined {
    return [...this.incidents.values()].find((i) => i.correlation_id === hubTicketId);
  }

  // --- agents ---------------------------------------------------------------

  /** On hold, awaiting caller, with a question as additional comment. */
  putOnHold(sysId: string, question: string, agent: string): void {
    this.agentUpdate(sysId, agent, { state: '3', hold_reason: '1' }, { comments: question });
  }

  resolve(sysId: string, input: { code: string; notes: string }, agent: string): void {
    this.agentUpdate(sysId, agent, { state: '6', hold_reason: '', close_code: input.code, close_notes: input.notes }, {});
  }

  private agentUpdate(sysId: string, agent: string, fields: Partial<Incident>, journal: { comments?: string; work_notes?: string }): void {
    const incident = this.incident(sysId);
    this.send([this.update(incident, agent, { ...fields, ...journal }, false)]);
  }

  // --- the Table API --------------------------------------------------------

  protected route(method: string, path: string, body: unknown): ReturnType<FakeSystem['route']> {
    const data = (body ?? {}) as Json;
    if (method === 'POST' && path === '/api/now/table/incident') return this.apiInsert(data);
    const one = /^\/api\/now\/table\/incident\/([0-9a-f]{32})$/.exec(path);
    if (one && (method === 'PATCH' || method === 'PUT')) return this.apiUpdate(one[1], data, method, path);
    return undefined;
  }

  private invalid(data: Json): string | undefined {
    for (const [key, value] of Object.entries(data)) {
      if (typeof value !== 'string') return `field ${key}: the Table API takes strings, got ${JSON.stringify(value)}`;
    }
    if (data.state !== undefined && !SN_STATES.includes(data.state as string)) return `state ${JSON.stringify(data.state)} is not a choice of incident.state`;
    return undefined;
  }

  private apiInsert(data: Json): ReturnType<FakeSystem['route']> {
    const write: ApiWrite = { method: 'POST', path: '/api/now/table/incident', kind: 'create', ticket: '', body: data };
    this.writes.push(write);
    const invalid = this.invalid(data);
    if (invalid) {
      write.error = invalid;
      return { status: 400, body: { error: { message: invalid }, status: 'failure' }, hooks: [] };
    }
    const now = this.clock.tick();
    const incident: Incident = {
      sys_id: randomBytes(16).toString('hex'),
      number: `INC00${++this.nextNumber}`,
      short_description: '',
      description: '',
      state: '1',
      impact: '3',
      urgency: '3',
      priority: '5',
      category: 'inquiry',
      contact_type: '',
      u_drehscheibe_service: '',
      correlation_id: '',
      correlation_display: '',
      hold_reason: '',
      close_code: '',
      close_notes: '',
      sys_mod_count: '0',
      sys_created_on: now,
      sys_created_by: SERVICENOW_API_USER,
      sys_updated_on: now,
      sys_updated_by: SERVICENOW_API_USER,
      journal: [],
    };
    for (const key of SN_WRITABLE) if (data[key] !== undefined) incident[key] = data[key] as string;
    incident.priority = String(Math.min(5, Number(incident.impact) + Number(incident.urgency) - 1));
    const entries = this.journal(incident, SERVICENOW_API_USER, now, data);
    this.incidents.set(incident.sys_id, incident);
    write.ticket = incident.sys_id;
    return { status: 201, body: { result: this.view(incident) }, hooks: [() => this.record(incident, entries, true, true)] };
  }

  private apiUpdate(sysId: string, data: Json, method: string, path: string): ReturnType<FakeSystem['route']> {
    const write: ApiWrite = { method, path, kind: 'update', ticket: sysId, body: data };
    this.writes.push(write);
    const incident = this.incidents.get(sysId);
    if (!incident) {
      write.error = 'No Record found';
      return { status: 404, body: { error: { message: 'No Record found' }, status: 'failure' }, hooks: [] };
    }
    const invalid = this.invalid(data);
    if (invalid) {
      write.error = invalid;
      return { status: 400, body: { error: { message: invalid }, status: 'failure' }, hooks: [] };
    }
    const hook = this.update(incident, SERVICENOW_API_USER, data, true);
    return { status: 200, body: { result: this.view(incident) }, hooks: [hook] };
  }

  /** One update (sys_mod_count + 1) and the business rule's webhook for it. */
  private update(incident: Incident, user: string, data: Partial<Incident> & { comments?: string; work_notes?: string }, echo: boolean): () => Hook {
    const now = this.clock.tick();
    for (const key of SN_WRITABLE) if (data[key] !== undefined) incident[key] = data[key];
    incident.priority = String(Math.min(5, Number(incident.impact) + Number(incident.urgency) - 1));
    incident.sys_mod_count = String(Number(incident.sys_mod_count) + 1);
    incident.sys_updated_on = now;
    incident.sys_updated_by = user;
    const entries = this.journal(incident, user, now, data);
    // The business rule sees the record as this update left it.
    const snapshot = structuredClone(incident);
    return () => this.record(snapshot, entries, echo, false);
  }

  private journal(incident: Incident, user: string, now: string, data: { comments?: unknown; work_notes?: unknown }): { comments: string; work_notes: string } {
    const entries = { comments: '', work_notes: '' };
    for (const element of ['comments', 'work_notes'] as const) {
      const value = data[element];
      if (typeof value === 'string' && value !== '') {
        incident.journal.push({ element, value, sys_created_by: user, sys_created_on: now });
        entries[element] = value;
      }
    }
    return entries;
  }

  /** What the Table API answers: the record without its journal (journal fields read as empty). */
  private view(incident: Incident): Json {
    const { journal: _journal, ...fields } = structuredClone(incident);
    return { ...fields, comments: '', work_notes: '', sys_class_name: 'incident' };
  }

  /** What the business rule posts. */
  private record(incident: Incident, entries: { comments: string; work_notes: string }, echo: boolean, insert: boolean): Hook {
    const { journal: _journal, ...fields } = structuredClone(incident);
    return { event: insert ? 'insert' : 'update', ticket: incident.sys_id, echo, payload: { ...fields, ...entries } };
  }
}
