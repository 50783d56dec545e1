import type { CodelistRegistry } from '@drehscheibe/codelists';
import type { OpenApiDocument, SpecValidator, Violation } from '@drehscheibe/contracts';
import type jsonata from 'jsonata';
import { BUILTIN_PROFILES } from './builtin/index.js';
import { CompiledPoll, type PollExpressions } from './compiled-poll.js';
import { CompiledProfile, type CompiledAnswer, type CompiledRequest, type CompiledRule } from './compiled-profile.js';
import { InvalidProfileError } from './errors.js';
import { ExpressionCompiler, type Expression } from './expressions.js';
import { mergeProfiles } from './profile-merge.js';
import {
  INBOUND_OPERATIONS,
  OUTBOUND_METHODS,
  POLL_METHODS,
  VALUE_MAP_CODELISTS,
  type InboundRule,
  type MappingProfileDocument,
  type OutboundRequest,
  type PollMapping,
} from './profile-document.js';
import { RequestSchemas } from './request-schemas.js';
import { escape, ValueMaps } from './value-maps.js';

/** Headers the hub sets itself on every delivery; a profile cannot replace them. */
const RESERVED_HEADERS = new Set([
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
  'content-type',
  'webhook-id',
  'webhook-timestamp',
  'webhook-signature',
]);
const VALUE_MAP_FUNCTIONS = new Set(['toCanonical', 'toNative']);

/** Value-map names an expression names literally, e.g. `$toNative('status', …)` → `status`. */
function valueMapsNamed(node: unknown, found: Set<string> = new Set()): Set<string> {
  if (Array.isArray(node)) for (const n of node) valueMapsNamed(n, found);
  else if (node && typeof node === 'object') {
    const n = node as jsonata.ExprNode;
    const name = n.procedure?.value as unknown;
    if (n.type === 'function' && typeof name === 'string' && VALUE_MAP_FUNCTIONS.has(name) && n.arguments?.[0]?.type === 'string')
      found.add(String(n.arguments[0].value));
    for (const value of Object.values(n)) if (value && typeof value === 'object') valueMapsNamed(value, found);
  }
  return found;
}

/** A body's fields as parts of a block, under `body.`; a missing field object is a violation. */
function fieldParts(
  fields: Record<string, string> | undefined,
  pointer: string,
  compiler: ExpressionCompiler,
): Array<{ key: string; source: string; pointer: string }> {
  if (!fields || typeof fields !== 'object') {
    compiler.violations.push({ pointer, message: 'must be an object of field path → expression' });
    return [];
  }
  return Object.entries(fields).map(([path, source]) => ({ key: `body.${path}`, source, pointer: `${pointer}/${escape(path)}` }));
}

/**
 * Checks and compiles mapping profiles: resolves the built-in they extend,
 * validates every expression, target field and code, and returns the
 * compiled form that maps messages. Stateless; callers cache compiled
 * profiles by version.
 */
export class MappingEngine {
  private readonly schemas: RequestSchemas;

  constructor(
    private readonly codelists: CodelistRegistry,
    spec: OpenApiDocument,
    private readonly builtins: Partial<Record<string, MappingProfileDocument>> = BUILTIN_PROFILES,
    /** The app's validator of `spec`, shared instead of compiled again. */
    validator?: SpecValidator,
  ) {
    this.schemas = new RequestSchemas(spec, validator);
  }

  /** Every problem of the document, each with its pointer; empty when it can be saved. */
  validate(document: MappingProfileDocument): Violation[] {
    return this.build(document).violations;
  }

  /** The compiled profile; throws InvalidProfileError listing every problem. */
  compile(document: MappingProfileDocument): CompiledProfile {
    const { profile, violations } = this.build(document);
    if (violations.length > 0 || !profile) throw new InvalidProfileError(violations);
    return profile;
  }

  private build(document: MappingProfileDocument): { profile?: CompiledProfile; violations: Violation[] } {
    if (!document || typeof document !== 'object' || Array.isArray(document)) return { violations: [{ pointer: '', message: 'must be a JSON object' }] };
    const violations: Violation[] = [];
    const base = document.extends === undefined ? undefined : this.builtins[document.extends];
    if (document.extends !== undefined && !base) {
      violations.push({ pointer: '/extends', message: `is not a built-in profile; known are ${Object.keys(this.builtins).join(', ')}` });
    }
    const merged = mergeProfiles(document, base, document.extends);
    const compiler = new ExpressionCompiler();
    const expressions: Expression[] = [];
    const compile = (source: string | undefined, pointer: string) => {
      if (source === undefined) return undefined;
      const e = compiler.compile(source, pointer);
      if (e) expressions.push(e);
      return e;
    };
    const unique = (names: string[], pointer: string) => {
      names.forEach((name, i) => {
        if (names.indexOf(name) !== i) violations.push({ pointer: `${pointer}/${i}/name`, message: `"${name}" is used twice` });
      });
    };

    const rules = merged.document.inbound?.rules ?? [];
    unique(
      rules.map((r) => r.name),
      '/inbound/rules',
    );
    const compiledRules = rules.map((rule, i) => this.rule(rule, merged.ruleOrigins[i], compile, compiler, violations));
    const requests = merged.document.outbound?.requests ?? [];
    unique(
      requests.map((r) => r.name),
      '/outbound/requests',
    );
    const compiledRequests = requests.map((request, i) => this.request(request, merged.requestOrigins[i], compile, compiler, violations));
    const answer = this.answer(merged.document, compiler, violations);
    const poll = this.poll(merged.document.poll, compiler, violations);

    const maps = merged.document.valueMaps ?? {};
    violations.push(...ValueMaps.validate(maps, this.codelists));
    for (const field of [
      ...compiledRules.flatMap((r) => r?.block.fields ?? []),
      ...compiledRequests.flatMap((r) => r?.block.fields ?? []),
      ...(answer?.fields.fields ?? []),
    ]) {
      expressions.push(field.expression);
    }
    for (const expression of expressions) {
      for (const name of valueMapsNamed(expression.ast())) {
        if (!Object.hasOwn(maps, name)) {
          const known = Object.keys(VALUE_MAP_CODELISTS).includes(name)
            ? 'the profile does not define it'
            : `known are ${Object.keys(VALUE_MAP_CODELISTS).join(', ')}`;
          violations.push({ pointer: expression.pointer, message: `names value map "${name}": ${known}` });
        }
      }
    }
    violations.push(...compiler.violations);
    if (violations.length > 0) return { violations };
    return {
      profile: new CompiledProfile(
        merged.document,
        new ValueMaps(maps),
        compiledRules as CompiledRule[],
        compiledRequests as CompiledRequest[],
        answer,
        this.schemas,
        poll,
      ),
      violations,
    };
  }

  private rule(
    rule: InboundRule,
    pointer: string,
    compile: (s: string | undefined, p: string) => Expression | undefined,
    compiler: ExpressionCompiler,
    violations: Violation[],
  ): CompiledRule | undefined {
    if (!INBOUND_OPERATIONS.includes(rule.operation)) {
      violations.push({ pointer: `${pointer}/operation`, message: `must be one of ${INBOUND_OPERATIONS.join(', ')}` });
      return undefined;
    }
    if (rule.operation !== 'createTicket' && rule.ticket === undefined) {
      violations.push({ pointer: `${pointer}/ticket`, message: `is required for ${rule.operation}: which ticket of the participant the message is about` });
    }
    for (const path of Object.keys(rule.fields ?? {})) {
      if (!this.schemas.hasPath(rule.operation, path)) {
        violations.push({ pointer: `${pointer}/fields/${escape(path)}`, message: `is not a field of ${this.schemas.bodyName(rule.operation)}` });
      }
    }
    const block = compiler.block([
      ...(rule.ticket === undefined ? [] : [{ key: 'ticket', source: rule.ticket, pointer: `${pointer}/ticket` }]),
      ...(rule.sourceRef === undefined ? [] : [{ key: 'sourceRef', source: rule.sourceRef, pointer: `${pointer}/sourceRef` }]),
      ...fieldParts(rule.fields, `${pointer}/fields`, compiler),
    ]);
    const when = compile(rule.when, `${pointer}/when`);
    if (!block) return undefined;
    return { name: rule.name, pointer, operation: rule.operation, when, block, bodyPaths: Object.keys(rule.fields ?? {}) };
  }

  private request(
    request: OutboundRequest,
    pointer: string,
    compile: (s: string | undefined, p: string) => Expression | undefined,
    compiler: ExpressionCompiler,
    violations: Violation[],
  ): CompiledRequest | undefined {
    if (!OUTBOUND_METHODS.includes(request.method)) violations.push({ pointer: `${pointer}/method`, message: `must be one of ${OUTBOUND_METHODS.join(', ')}` });
    if (!Array.isArray(request.on) || request.on.length === 0) violations.push({ pointer: `${pointer}/on`, message: 'must name at least one event type' });
    for (const name of Object.keys(request.headers ?? {})) {
      if (RESERVED_HEADERS.has(name.toLowerCase())) violations.push({ pointer: `${pointer}/headers/${escape(name)}`, message: 'is set by the hub itself' });
    }
    const block = compiler.block([
      { key: 'path', source: request.path, pointer: `${pointer}/path` },
      ...Object.entries(request.headers ?? {}).map(([name, source]) => ({ key: `headers.${name}`, source, pointer: `${pointer}/headers/${escape(name)}` })),
      ...fieldParts(request.fields, `${pointer}/fields`, compiler),
    ]);
    const when = compile(request.when, `${pointer}/when`);
    if (!block) return undefined;
    return { name: request.name, pointer, on: new Set(request.on ?? []), when, method: request.method, block };
  }

  /** The `poll` section: its required expressions, each compiled; they see no value maps. */
  private poll(poll: PollMapping | undefined, compiler: ExpressionCompiler, violations: Violation[]): CompiledPoll | undefined {
    if (poll === undefined) return undefined;
    if (!poll || typeof poll !== 'object' || Array.isArray(poll)) {
      violations.push({ pointer: '/poll', message: 'must be an object' });
      return undefined;
    }
    const request = poll.request as PollMapping['request'] | undefined;
    if (!request || typeof request !== 'object') {
      violations.push({ pointer: '/poll/request', message: 'is required: the request that reads the changes after a watermark ({method, path})' });
    } else {
      if (!POLL_METHODS.includes(request.method)) violations.push({ pointer: '/poll/request/method', message: `must be one of ${POLL_METHODS.join(', ')}` });
      if (request.path === undefined) violations.push({ pointer: '/poll/request/path', message: 'is required: the path (with query) after a watermark' });
    }
    const required = {
      changes: 'the change records of the response, oldest first',
      sourceRef: "the system's id of a change",
      ticket: "the system's ticket number of a change",
      watermark: 'the watermark after a change',
    } as const;
    for (const [key, what] of Object.entries(required)) {
      if (poll[key as keyof typeof required] === undefined) violations.push({ pointer: `/poll/${key}`, message: `is required: ${what}` });
    }
    const compileAt = (source: string | undefined, pointer: string) => {
      if (source === undefined) return undefined;
      const expression = compiler.compile(source, pointer);
      if (expression && valueMapsNamed(expression.ast()).size > 0)
        violations.push({ pointer, message: 'names a value map: poll expressions see no value maps (use them in the inbound rules)' });
      return expression;
    };
    const e = {
      method: request?.method,
      path: compileAt(request?.path, '/poll/request/path'),
      body: compileAt(request?.body, '/poll/request/body'),
      changes: compileAt(poll.changes, '/poll/changes'),
      sourceRef: compileAt(poll.sourceRef, '/poll/sourceRef'),
      ticket: compileAt(poll.ticket, '/poll/ticket'),
      author: compileAt(poll.author, '/poll/author'),
      at: compileAt(poll.at, '/poll/at'),
      watermark: compileAt(poll.watermark, '/poll/watermark'),
      initialWatermark: compileAt(poll.initialWatermark, '/poll/initialWatermark'),
      more: compileAt(poll.more, '/poll/more'),
      payload: compileAt(poll.payload, '/poll/payload'),
    };
    if (!e.method || !e.path || !e.changes || !e.sourceRef || !e.ticket || !e.watermark) return undefined;
    return new CompiledPoll(e as PollExpressions);
  }

  private answer(document: MappingProfileDocument, compiler: ExpressionCompiler, violations: Violation[]): CompiledAnswer | undefined {
    const answer = document.outbound?.answer;
    if (!answer) return undefined;
    const names = new Set((document.outbound?.requests ?? []).map((r) => r.name));
    (answer.after ?? []).forEach((name, i) => {
      if (!names.has(name)) violations.push({ pointer: `/outbound/answer/after/${i}`, message: `names no outbound request ("${name}")` });
    });
    for (const path of Object.keys(answer.fields ?? {})) {
      if (!this.schemas.hasPath('setTicketState', path))
        violations.push({ pointer: `/outbound/answer/fields/${escape(path)}`, message: 'is not a field of TicketStateInput' });
    }
    const fields = compiler.fields(answer.fields, '/outbound/answer/fields');
    return fields ? { after: new Set(answer.after ?? []), fields } : undefined;
  }
}
