import { MappingError, type CompiledPoll, type CompiledProfile, type NativeRequest } from '@drehscheibe/mapping';
import type { ConnectorConfig } from '../connector-config.js';
import { ConnectorFault } from '../connector-session.js';
import type { HttpFetch } from '../http/json-http.js';
import { SystemHttp, type RequestObserver } from '../http/system-http.js';
import { SystemError, type PollResult, type SystemChange, type SystemConnector, type WriteOutcome } from '../system-connector.js';

type Watermark = Record<string, unknown>;

/**
 * The connector's own part of the watermark: the tickets whose latest record
 * was the hub's own write, so that the system's automatic reaction to it is
 * recognised as an echo also when it comes one poll later. The profile's
 * expressions never see it.
 */
export const ECHO_TICKETS_KEY = '~echoTickets';
/** How many such tickets the watermark remembers (the most recent ones). */
const ECHO_TICKETS_KEPT = 200;

export interface RestConnectorOptions {
  /** How long one request may take, answer included. */
  timeoutMs?: number;
  /** The hub's clock (settle time). */
  now?: () => number;
  /** Told about every request (metrics). */
  observe?: RequestObserver;
}

const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * The generic REST connector: a system that is not built in, connected by
 * its participant's mapping profile alone. The profile's `poll` section says
 * how to ask for changes after a watermark and how to read them; its
 * outbound requests are sent as they are rendered.
 *
 * A generic system cannot be asked whether a write arrived: `before` keeps
 * nothing and `confirm` answers null, so after a crash the runtime writes a
 * pending write again. A profile should therefore send an idempotency key
 * rendered from the event id where the system honours one (the helpdesk
 * example in docs/connectors.md sends `Idempotency-Key: id`).
 */
export class RestConnector implements SystemConnector {
  private readonly system: SystemHttp;
  private readonly now: () => number;

  constructor(
    private readonly config: ConnectorConfig,
    private readonly profile: CompiledProfile,
    http: HttpFetch = fetch,
    options: RestConnectorOptions = {},
  ) {
    this.system = new SystemHttp(config.baseUrl, config.auth, { fetch: http, timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS, observe: options.observe });
    this.now = options.now ?? Date.now;
  }

  /**
   * The system's changes after the stored watermark. A profile whose poll
   * expressions give something unusable fails as `mapping-failed`, with the
   * pointer to the expression.
   */
  async poll(stored: Watermark | null): Promise<PollResult> {
    const poll = this.profile.poll;
    if (!poll) throw new ConnectorFault('mapping-failed', '/poll: the profile has no poll section, so a connector of kind rest cannot read the system');
    try {
      return await this.read(poll, stored);
    } catch (e) {
      if (e instanceof MappingError) throw new ConnectorFault('mapping-failed', `${e.pointer}: ${e.message}`);
      throw e;
    }
  }

  private async read(poll: CompiledPoll, stored: Watermark | null): Promise<PollResult> {
    const { [ECHO_TICKETS_KEY]: remembered, ...start } = stored ?? (await poll.initialWatermark());
    /** Per ticket: whether its latest record so far was the hub's own write (or a reaction to one). */
    const echoLast = new Map<string, boolean>(Array.isArray(remembered) ? remembered.map((t) => [String(t), true]) : []);

    const request = await poll.request(start);
    const response = await this.system.request(request.method, request.path, request.body);
    if (!response.json)
      throw new SystemError('system-answer-invalid', `${request.method} ${request.path} answered ${response.status} with a body that is not JSON`);
    const records = await poll.changes(response.body);

    const { systemUser, automaticUsers = [], settleMs } = this.config.settings;
    const now = this.now();
    const changes: SystemChange[] = [];
    let echoes = 0;
    let watermark = start;
    let heldBack = false;
    for (const record of records) {
      const at = await poll.at(record);
      if (at && now - at.getTime() < settleMs) {
        // Not settled: this record and everything after it wait for the next poll.
        heldBack = true;
        break;
      }
      const ticket = await poll.ticket(record);
      const author = await poll.author(record);
      const automatic = author !== undefined && automaticUsers.includes(author);
      const echo = (systemUser !== undefined && author === systemUser) || (automatic && echoLast.get(ticket) === true);
      echoLast.delete(ticket);
      echoLast.set(ticket, echo);
      if (echo) echoes += 1;
      else changes.push({ sourceRef: await poll.sourceRef(record), payload: await poll.payload(record), ...(at ? { at } : {}) });
      watermark = await poll.watermark(watermark, record);
    }

    const echoTickets = [...echoLast].filter(([, echo]) => echo).map(([ticket]) => ticket);
    return {
      changes,
      echoes,
      watermark: echoTickets.length > 0 ? { ...watermark, [ECHO_TICKETS_KEY]: echoTickets.slice(-ECHO_TICKETS_KEPT) } : watermark,
      more: !heldBack && (await poll.more(response.body)),
    };
  }

  /** A generic system keeps nothing to compare with: see the class comment. */
  before(): Promise<Record<string, unknown>> {
    return Promise.resolve({});
  }

  async write(request: NativeRequest): Promise<WriteOutcome> {
    const { status, body } = await this.system.request(request.method, request.path, request.body, request.headers);
    return { status, body };
  }

  /** A generic system cannot be asked whether a write arrived: null, so the runtime writes it again. */
  confirm(): Promise<WriteOutcome | null> {
    return Promise.resolve(null);
  }
}
