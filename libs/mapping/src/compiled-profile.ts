import type { Violation } from '@drehscheibe/contracts';
import { isSafePath, type CompiledPoll } from './compiled-poll.js';
import { MappingError } from './errors.js';
import type { Bindings, Expression, FieldSet, TraceEntry } from './expressions.js';
import type { InboundOperation, MappingProfileDocument, OutboundMethod } from './profile-document.js';
import type { RequestSchemas } from './request-schemas.js';
import type { ValueMaps } from './value-maps.js';

export interface MappingContext {
  /** The participant whose system speaks this profile. */
  participantId: string;
}

export interface MappingOptions {
  /** Record which expressions and value-map entries fired (the dry run); slower. */
  trace?: boolean;
}

/** A native message as a canonical command, ready for the same use case as the API. */
export interface InboundResult {
  rule: string;
  operation: InboundOperation;
  /** The participant's own ticket number (its `externalId`), for operations on an existing ticket. */
  ticket?: string;
  sourceRef?: string;
  body: Record<string, unknown>;
  trace?: TraceEntry[];
}

/** The native request for one canonical event: its path is below the participant's endpoint URL. */
export interface NativeRequest {
  name: string;
  method: OutboundMethod;
  path: string;
  headers: Record<string, string>;
  body: unknown;
}

export interface OutboundResult {
  /** Null when no request of the profile renders this event: the participant does not get it. */
  request: NativeRequest | null;
  trace?: TraceEntry[];
}

export interface AnswerResult {
  /** A `TicketStateInput` to apply as the participant, or null when the answer tells the hub nothing. */
  state: Record<string, unknown> | null;
  trace?: TraceEntry[];
}

/** A rule: its condition, then one evaluation giving `{ticket, sourceRef, body}`. */
export interface CompiledRule {
  name: string;
  pointer: string;
  operation: InboundOperation;
  when?: Expression;
  block: FieldSet;
  /** The body's field paths, to point refused fields at the profile. */
  bodyPaths: string[];
}

/** A request: its condition, then one evaluation giving `{path, headers, body}`. */
export interface CompiledRequest {
  name: string;
  pointer: string;
  on: ReadonlySet<string>;
  when?: Expression;
  method: OutboundMethod;
  block: FieldSet;
}

export interface CompiledAnswer {
  after: ReadonlySet<string>;
  fields: FieldSet;
}

/** JSONata's truthiness for conditions: empty sequences, strings and objects count as false too. */
function holds(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(holds);
  if (value && typeof value === 'object') return Object.keys(value).length > 0;
  return Boolean(value);
}

function text(value: unknown, pointer: string, what: string): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'string' || typeof value === 'number') return String(value);
  throw new MappingError('invalid-result', pointer, `${what} must be a string or a number, not ${JSON.stringify(value)}`);
}

/** Points body violations at the profile field that produced them (`/body/requester/name` → the `requester.name` field). */
function locate(violations: Violation[], fieldsPointer: string, bodyPaths: string[]): Violation[] {
  const paths = [...bodyPaths].sort((a, b) => b.length - a.length);
  return violations.map((v) => {
    const dotted = v.pointer
      .replace(/^\/body\/?/, '')
      .split('/')
      .join('.');
    const field = paths.find((p) => dotted === p || dotted.startsWith(`${p}.`));
    return {
      pointer: field ? `${fieldsPointer}/${field.replace(/~/g, '~0').replace(/\//g, '~1')}` : fieldsPointer,
      message: `${v.pointer.replace(/^\/body/, '') || '/'} ${v.message}`,
    };
  });
}

/**
 * One profile version, compiled: every expression parsed once, the value
 * maps indexed. Immutable, so it is cached by version and shared.
 */
export class CompiledProfile {
  constructor(
    /** The document with its base folded in. */
    readonly document: MappingProfileDocument,
    private readonly valueMaps: ValueMaps,
    private readonly rules: CompiledRule[],
    private readonly requests: CompiledRequest[],
    private readonly answerMapping: CompiledAnswer | undefined,
    private readonly schemas: RequestSchemas,
    /** How the generic REST connector reads the system's changes; undefined without a `poll` section. */
    readonly poll?: CompiledPoll,
  ) {}

  /** Whether the profile translates native messages in, and events out. */
  get reads(): boolean {
    return this.rules.length > 0;
  }

  get renders(): boolean {
    return this.requests.length > 0;
  }

  /** Whether the answer to this request tells the hub something (else the worker need not read it). */
  readsAnswerOf(requestName: string): boolean {
    return this.answerMapping?.after.has(requestName) ?? false;
  }

  private bindings(context: MappingContext, trace?: TraceEntry[]): Bindings {
    return {
      toCanonical: (map: string, code: unknown) => this.valueMaps.lookup(map, 'toCanonical', code, trace),
      toNative: (map: string, code: unknown) => this.valueMaps.lookup(map, 'toNative', code, trace),
      participant: context.participantId,
    };
  }

  /** Native message → canonical command: the first rule that applies decides. */
  async inbound(payload: unknown, context: MappingContext, options: MappingOptions = {}): Promise<InboundResult> {
    const trace: TraceEntry[] | undefined = options.trace ? [] : undefined;
    const bindings = this.bindings(context, trace);
    for (const rule of this.rules) {
      if (rule.when && !holds(await rule.when.evaluate(payload, bindings, trace))) continue;
      const out = await rule.block.evaluate(payload, bindings, trace);
      const ticket = text(out.ticket, `${rule.pointer}/ticket`, 'the ticket number');
      if (rule.operation !== 'createTicket' && ticket === undefined) {
        throw new MappingError('invalid-result', `${rule.pointer}/ticket`, `rule "${rule.name}" found no ticket number in the message`);
      }
      const sourceRef = text(out.sourceRef, `${rule.pointer}/sourceRef`, 'the source reference');
      const body = (out.body ?? {}) as Record<string, unknown>;
      const violations = this.schemas.validate(rule.operation, body);
      if (violations.length > 0) {
        throw new MappingError(
          'invalid-result',
          `${rule.pointer}/fields`,
          `rule "${rule.name}" made a ${this.schemas.bodyName(rule.operation)} the API would refuse`,
          locate(violations, `${rule.pointer}/fields`, rule.bodyPaths),
        );
      }
      return { rule: rule.name, operation: rule.operation, ticket, sourceRef, body, ...(trace ? { trace } : {}) };
    }
    throw new MappingError('no-matching-rule', '/inbound/rules', 'no inbound rule of the profile applies to this message');
  }

  /** Canonical event (a webhook delivery body) → the native request, or none. */
  async outbound(event: { type: string; body: Record<string, unknown> }, context: MappingContext, options: MappingOptions = {}): Promise<OutboundResult> {
    const trace: TraceEntry[] | undefined = options.trace ? [] : undefined;
    const bindings = this.bindings(context, trace);
    for (const request of this.requests) {
      if (!request.on.has(event.type) && !request.on.has('*')) continue;
      if (request.when && !holds(await request.when.evaluate(event.body, bindings, trace))) continue;
      const out = await request.block.evaluate(event.body, bindings, trace);
      const path = out.path;
      if (!isSafePath(path)) {
        throw new MappingError(
          'invalid-result',
          `${request.pointer}/path`,
          `the path must be a string starting with a single "/" without spaces or dot segments, not ${JSON.stringify(path)}`,
        );
      }
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries((out.headers ?? {}) as Record<string, unknown>)) {
        // eslint-disable-next-line no-control-regex
        if (typeof value !== 'string' || /[\u0000-\u001f\u007f]/.test(value)) {
          throw new MappingError('invalid-result', `${request.pointer}/headers/${name}`, `header ${name} must be a string without control characters`);
        }
        headers[name.toLowerCase()] = value;
      }
      const body = out.body ?? {};
      return { request: { name: request.name, method: request.method, path, headers, body }, ...(trace ? { trace } : {}) };
    }
    return { request: null, ...(trace ? { trace } : {}) };
  }

  /** The system's answer to a delivered request → the desired state to apply as the participant, if any. */
  async answer(requestName: string, responseBody: unknown, context: MappingContext, options: MappingOptions = {}): Promise<AnswerResult> {
    const trace: TraceEntry[] | undefined = options.trace ? [] : undefined;
    const mapping = this.answerMapping;
    if (!mapping || !mapping.after.has(requestName)) return { state: null, ...(trace ? { trace } : {}) };
    const state = await mapping.fields.evaluate(responseBody, this.bindings(context, trace), trace);
    if (Object.keys(state).length === 0) return { state: null, ...(trace ? { trace } : {}) };
    const violations = this.schemas.validate('setTicketState', state);
    if (violations.length > 0) {
      throw new MappingError(
        'invalid-result',
        '/outbound/answer/fields',
        'the answer mapping made a TicketStateInput the API would refuse',
        locate(
          violations,
          '/outbound/answer/fields',
          mapping.fields.fields.map((f) => f.path),
        ),
      );
    }
    return { state, ...(trace ? { trace } : {}) };
  }
}
