import { isUtf8 } from 'node:buffer';
import { visit, type JSONPath } from 'jsonc-parser';
import secureJson from 'secure-json-parse';
import type { Violation } from './spec-validator.js';

/**
 * Input the hub refuses before any handler sees it. `malformed` answers
 * `400 malformed-request` (not JSON, not UTF-8), `invalid` answers
 * `400 validation-failed` with the pointers in `violations`.
 */
export class InputError extends Error {
  constructor(
    readonly kind: 'malformed' | 'invalid',
    message: string,
    readonly violations: Violation[] = [],
  ) {
    super(message);
    this.name = 'InputError';
  }
}

/** `String.prototype.isWellFormed` is in Node 20 (ES2024); the project compiles against ES2023's lib. */
type WellFormedString = string & { isWellFormed(): boolean };

/**
 * The one rule for text the hub accepts anywhere (bodies, member names,
 * query and path parameters): no U+0000 — PostgreSQL cannot store it — and no
 * unpaired UTF-16 surrogate, which no encoding can carry and which would be
 * stored as U+FFFD, silently changing the data. Returns what is wrong, or
 * undefined.
 */
export function textViolation(text: string): string | undefined {
  if (text.includes('\u0000')) return 'must not contain the character U+0000';
  if (!(text as WellFormedString).isWellFormed()) return 'must not contain an unpaired UTF-16 surrogate (\\ud800–\\udfff)';
  return undefined;
}

/** RFC 6901: `~` → `~0`, `/` → `~1`. */
export function pointerOf(prefix: string, path: JSONPath): string {
  return prefix + path.map((segment) => `/${String(segment).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

const PARSE_OPTIONS = { protoAction: 'error', constructorAction: 'error' } as const;
const SCAN_OPTIONS = { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false };

/**
 * Parses a request body as exactly one JSON text (RFC 8259, UTF-8) and
 * refuses what `JSON.parse` lets through: duplicate member names (the last
 * would silently win — in a ticket that can change where it is routed), text
 * that breaks `textViolation`, and `__proto__` / `constructor.prototype`
 * members (prototype poisoning, as Fastify's own parser refuses them).
 *
 * `JSON.parse` (native) builds the value; jsonc-parser's visitor, with
 * comments and trailing commas disallowed, walks the same text once for the
 * member names and strings, which `JSON.parse` does not report.
 */
export function parseJsonStrictly(body: Buffer): unknown {
  if (body.length === 0) throw new InputError('malformed', 'the body is empty; send a JSON value');
  if (!isUtf8(body)) throw new InputError('malformed', 'the body is not valid UTF-8');
  const text = body.toString('utf8');
  let value: unknown;
  try {
    value = secureJson.parse(text, undefined, PARSE_OPTIONS);
  } catch (e) {
    const poisoned = e instanceof SyntaxError && /forbidden prototype property/.test(e.message);
    throw new InputError('malformed', poisoned ? 'the body contains a forbidden __proto__ or constructor.prototype member' : 'the body is not valid JSON');
  }
  if (!text.includes('\\u') && memberNameEnds(text) === memberCount(value)) return value;
  const violations = scan(text, '/body');
  if (violations.length > 0) throw new InputError('invalid', violations.map((v) => `${v.pointer} ${v.message}`).join('; '), violations);
  return value;
}

/**
 * The fast path, so that ticket creation pays little for the checks: every
 * member name ends in `"`, optional white space and `:`, so the text has at
 * least as many such ends as it has members (more when a string contains
 * them). As many as the parsed value has members means no duplicate was
 * folded away; anything else goes through the full scan. Without a `\u`
 * escape no string can hold U+0000 or a lone surrogate (see `scan`).
 */
const MEMBER_NAME_END = /"[ \t\r\n]*:/g;
function memberNameEnds(text: string): number {
  return text.match(MEMBER_NAME_END)?.length ?? 0;
}

function memberCount(value: unknown): number {
  if (value === null || typeof value !== 'object') return 0;
  let count = 0;
  if (Array.isArray(value)) {
    for (const item of value) count += memberCount(item);
    return count;
  }
  for (const key in value) count += 1 + memberCount((value as Record<string, unknown>)[key]);
  return count;
}

/** Duplicate member names and text-rule violations, with JSON pointers. */
function scan(text: string, prefix: string): Violation[] {
  const violations: Violation[] = [];
  // Lone surrogates and U+0000 can only arrive as \u escapes: valid UTF-8 never decodes to
  // them, and a raw control character is not valid JSON. Without escapes, strings need no check.
  const checkStrings = text.includes('\\u');
  const names: Array<Set<string>> = [];
  visit(
    text,
    {
      onObjectBegin: () => {
        names.push(new Set());
      },
      onObjectEnd: () => {
        names.pop();
      },
      onObjectProperty: (name, _offset, _length, _line, _column, pathSupplier) => {
        const seen = names[names.length - 1];
        if (seen.has(name)) violations.push({ pointer: pointerOf(prefix, [...pathSupplier(), name]), message: 'is a duplicate member name' });
        seen.add(name);
        const wrong = checkStrings ? textViolation(name) : undefined;
        if (wrong) violations.push({ pointer: pointerOf(prefix, [...pathSupplier(), name]), message: `member name ${wrong}` });
      },
      onLiteralValue: (value: unknown, _offset, _length, _line, _column, pathSupplier) => {
        const wrong = checkStrings && typeof value === 'string' ? textViolation(value) : undefined;
        if (wrong) violations.push({ pointer: pointerOf(prefix, pathSupplier()), message: wrong });
      },
    },
    SCAN_OPTIONS,
  );
  return violations;
}

const PERCENT_ENCODED_UTF8 = 'is not valid percent-encoded UTF-8';

/** `+` is a space, then percent-decoding that refuses what is not UTF-8 (URLSearchParams would turn it into U+FFFD). */
function decodeComponent(raw: string): string | undefined {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

/** The name=value pairs of `application/x-www-form-urlencoded` text or a query string, decoded strictly. */
function decodePairs(text: string, prefix: string, violations: Violation[]): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (const part of text.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const name = decodeComponent(eq < 0 ? part : part.slice(0, eq));
    if (name === undefined) {
      violations.push({ pointer: prefix, message: `a parameter name ${PERCENT_ENCODED_UTF8}` });
      continue;
    }
    const value = decodeComponent(eq < 0 ? '' : part.slice(eq + 1));
    const pointer = pointerOf(prefix, [name]);
    const wrong = value === undefined ? PERCENT_ENCODED_UTF8 : (textViolation(name) ?? textViolation(value));
    if (wrong) violations.push({ pointer, message: wrong });
    else pairs.push([name, value!]);
  }
  return pairs;
}

/**
 * Parses an `application/x-www-form-urlencoded` body (the token endpoint)
 * under the same text rule as JSON; a parameter sent twice is refused
 * (RFC 6749 3.1). A null-prototype object, so `__proto__` is just an unknown field.
 */
export function parseFormStrictly(body: Buffer): Record<string, string> {
  if (!isUtf8(body)) throw new InputError('malformed', 'the body is not valid UTF-8');
  const violations: Violation[] = [];
  const form: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [name, value] of decodePairs(body.toString('utf8'), '/body', violations)) {
    if (Object.hasOwn(form, name)) violations.push({ pointer: pointerOf('/body', [name]), message: 'is sent more than once' });
    form[name] = value;
  }
  if (violations.length > 0) throw new InputError('invalid', violations.map((v) => `${v.pointer} ${v.message}`).join('; '), violations);
  return form;
}

/** Where `parseQueryStrictly` leaves what it refused, for the request hook to answer. */
export const QUERY_VIOLATIONS = Symbol('queryViolations');
export type ParsedQuery = Record<string, string | string[]> & { [QUERY_VIOLATIONS]?: Violation[] };

/**
 * A query-string parser for the router: like Fastify's default (a repeated
 * parameter becomes an array, which the contract then refuses where it wants
 * one value), but strict about encoding and text. It runs while the router
 * matches the URL, where it must not throw, so what it refuses travels with
 * the result.
 */
export function parseQueryStrictly(query: string): ParsedQuery {
  const violations: Violation[] = [];
  const parsed: ParsedQuery = Object.create(null) as ParsedQuery;
  for (const [name, value] of decodePairs(query, '/query', violations)) {
    const previous = parsed[name];
    parsed[name] = previous === undefined ? value : [previous, value].flat();
  }
  if (violations.length > 0) Object.defineProperty(parsed, QUERY_VIOLATIONS, { value: violations, enumerable: false });
  return parsed;
}
