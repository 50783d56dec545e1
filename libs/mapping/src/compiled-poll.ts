import { MappingError } from './errors.js';
import type { Expression } from './expressions.js';
import type { PollMethod } from './profile-document.js';

/** A path below a base URL: one leading `/`, no spaces, backslashes or dot segments. */
export function isSafePath(path: unknown): path is string {
  return typeof path === 'string' && path.startsWith('/') && !/[\s\\]|^\/\/|\/\.\.?(\/|$|\?)/.test(path);
}

/** The request that reads a system's changes after a watermark. */
export interface PollRequest {
  method: PollMethod;
  /** Below the connector's base URL, with its query. */
  path: string;
  body?: unknown;
}

/** The compiled expressions of a profile's `poll` section (see `PollMapping`). */
export interface PollExpressions {
  method: PollMethod;
  path: Expression;
  body?: Expression;
  changes: Expression;
  sourceRef: Expression;
  ticket: Expression;
  author?: Expression;
  at?: Expression;
  watermark: Expression;
  initialWatermark?: Expression;
  more?: Expression;
  payload?: Expression;
}

type Watermark = Record<string, unknown>;

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function text(value: unknown, expression: Expression, what: string): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'string' || typeof value === 'number') return String(value);
  throw new MappingError('invalid-result', expression.pointer, `${what} must be a string or a number, not ${JSON.stringify(value)}`);
}

/**
 * How the generic REST connector reads a system's change log, compiled once
 * with the profile: the request after a watermark, the records of its
 * answer, and per record its id, ticket, author, time, payload and the
 * watermark after it. Results that are not what the connector needs throw
 * MappingError (`invalid-result`) pointing at the expression.
 */
export class CompiledPoll {
  constructor(private readonly e: PollExpressions) {}

  get method(): PollMethod {
    return this.e.method;
  }

  /** The first watermark, for a connector that has never polled. */
  async initialWatermark(): Promise<Watermark> {
    if (!this.e.initialWatermark) return {};
    return this.object(await this.e.initialWatermark.evaluate({}, {}), this.e.initialWatermark, 'the initial watermark');
  }

  async request(watermark: Watermark): Promise<PollRequest> {
    const input = { watermark };
    const path = await this.e.path.evaluate(input, {});
    if (!isSafePath(path)) {
      throw new MappingError(
        'invalid-result',
        this.e.path.pointer,
        `the path must be a string starting with a single "/" without spaces or dot segments, not ${JSON.stringify(path)}`,
      );
    }
    const body = this.e.body ? await this.e.body.evaluate(input, {}) : undefined;
    return { method: this.e.method, path, ...(body === undefined ? {} : { body }) };
  }

  /** The change records of a response body, oldest first (one record on its own counts as a list of one). */
  async changes(body: unknown): Promise<unknown[]> {
    const value = await this.e.changes.evaluate(body, {});
    if (value === undefined || value === null) return [];
    if (Array.isArray(value)) return value as unknown[];
    if (isObject(value)) return [value];
    throw new MappingError('invalid-result', this.e.changes.pointer, `the changes must be a list of records, not ${JSON.stringify(value)}`);
  }

  /** Whether more changes wait than this response carried. */
  async more(body: unknown): Promise<boolean> {
    return this.e.more ? (await this.e.more.evaluate(body, {})) === true : false;
  }

  async sourceRef(record: unknown): Promise<string> {
    const value = text(await this.e.sourceRef.evaluate(record, {}), this.e.sourceRef, 'the source reference');
    if (value === undefined) throw new MappingError('invalid-result', this.e.sourceRef.pointer, 'a change record has no source reference');
    return value;
  }

  async ticket(record: unknown): Promise<string> {
    const value = text(await this.e.ticket.evaluate(record, {}), this.e.ticket, 'the ticket number');
    if (value === undefined) throw new MappingError('invalid-result', this.e.ticket.pointer, 'a change record names no ticket');
    return value;
  }

  async author(record: unknown): Promise<string | undefined> {
    return this.e.author ? text(await this.e.author.evaluate(record, {}), this.e.author, 'the author') : undefined;
  }

  async at(record: unknown): Promise<Date | undefined> {
    if (!this.e.at) return undefined;
    const value = await this.e.at.evaluate(record, {});
    if (value === undefined || value === null) return undefined;
    const at = typeof value === 'string' || typeof value === 'number' ? new Date(value) : undefined;
    if (!at || Number.isNaN(at.getTime()))
      throw new MappingError('invalid-result', this.e.at.pointer, `the time must be an ISO time stamp, not ${JSON.stringify(value)}`);
    return at;
  }

  async watermark(watermark: Watermark, record: unknown): Promise<Watermark> {
    return this.object(await this.e.watermark.evaluate({ watermark, record }, {}), this.e.watermark, 'the watermark');
  }

  async payload(record: unknown): Promise<unknown> {
    return this.e.payload ? await this.e.payload.evaluate(record, {}) : record;
  }

  private object(value: unknown, expression: Expression, what: string): Watermark {
    if (!isObject(value)) throw new MappingError('invalid-result', expression.pointer, `${what} must be an object, not ${JSON.stringify(value)}`);
    return value;
  }
}
