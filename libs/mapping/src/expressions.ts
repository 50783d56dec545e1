import type { Violation } from '@drehscheibe/contracts';
import jsonata from 'jsonata';
import { MappingError } from './errors.js';
import { escape, type ValueMapUse } from './value-maps.js';

/** What the dry run reports: which expression gave what, and which value-map entries fired. */
export type TraceEntry = { pointer: string; value?: unknown } | ValueMapUse;

/** The `$`-bindings an evaluation sees (value maps, participant). */
export type Bindings = Record<string, unknown>;

/** JSON as the canonical API would receive it: no undefined, no JSONata sequence flags, plain objects. */
export function plain(value: unknown): unknown {
  return value === undefined ? undefined : (JSON.parse(JSON.stringify(value)) as unknown);
}

/** Collects compile problems with their pointers, so one save reports them all. */
export class ExpressionCompiler {
  readonly violations: Violation[] = [];

  compile(source: string, pointer: string): Expression | undefined {
    if (typeof source !== 'string' || source.trim() === '') {
      this.violations.push({ pointer, message: 'must be a JSONata expression (a non-empty string)' });
      return undefined;
    }
    try {
      return new Expression(jsonata(source), source, pointer);
    } catch (e) {
      const error = e as { message?: string; position?: number };
      this.violations.push({
        pointer,
        message: `does not compile: ${error.message}${error.position !== undefined ? ` (at character ${error.position})` : ''}`,
      });
      return undefined;
    }
  }

  fields(fields: Record<string, string> | undefined, pointer: string): FieldSet | undefined {
    if (!fields || typeof fields !== 'object') {
      this.violations.push({ pointer, message: 'must be an object of field path → expression' });
      return undefined;
    }
    return this.block(Object.entries(fields).map(([path, source]) => ({ key: path, source, pointer: `${pointer}/${escape(path)}` })));
  }

  /**
   * Several expressions evaluated as one object (`key` a dotted path into
   * it), e.g. a request's path, headers and body: one evaluation instead
   * of one per part. Each part keeps its own pointer for traces and errors.
   */
  block(parts: Array<{ key: string; source: string; pointer: string }>): FieldSet | undefined {
    const compiled = parts.map((p) => ({ path: p.key, expression: this.compile(p.source, p.pointer) }));
    if (compiled.some((c) => !c.expression)) return undefined;
    let combined: Expression | undefined;
    try {
      combined = new Expression(jsonata(combinedSource(parts)), '', parts[0]?.pointer ?? '');
    } catch {
      // Each part compiles on its own; they are then evaluated one by one.
    }
    return new FieldSet(
      compiled.map((c) => ({ path: c.path, expression: c.expression! })),
      combined,
    );
  }
}

/** One compiled JSONata expression, and where in the profile it is. */
export class Expression {
  constructor(
    private readonly compiled: jsonata.Expression,
    readonly source: string,
    readonly pointer: string,
  ) {}

  /** The parsed tree, for checks at save time (e.g. which value maps it names). */
  ast(): jsonata.ExprNode {
    return this.compiled.ast();
  }

  async evaluate(input: unknown, bindings: Bindings, trace?: TraceEntry[]): Promise<unknown> {
    let value: unknown;
    try {
      value = plain(await this.compiled.evaluate(input, bindings));
    } catch (e) {
      if (e instanceof MappingError) throw e;
      const error = e as { message?: string; position?: number };
      throw new MappingError('expression-failed', this.pointer, `the expression failed: ${error.message ?? String(e)}`);
    }
    trace?.push({ pointer: this.pointer, value });
    return value;
  }
}

interface Field {
  path: string;
  expression: Expression;
}

/**
 * The fields of one body (dotted path → expression). In normal use all of
 * them are evaluated as one JSONata object constructor (one evaluation
 * instead of one per field); with a trace, or to find the failing one, each
 * on its own.
 */
export class FieldSet {
  /** The intermediate objects of dotted paths (`a` for `a.b`), pruned when empty. */
  private readonly parents: ReadonlySet<string>;

  constructor(
    readonly fields: Field[],
    private readonly combined: Expression | undefined,
  ) {
    this.parents = new Set(
      fields.flatMap((f) =>
        f.path
          .split('.')
          .slice(0, -1)
          .map((_, i, keys) => keys.slice(0, i + 1).join('.')),
      ),
    );
  }

  async evaluate(input: unknown, bindings: Bindings, trace?: TraceEntry[]): Promise<Record<string, unknown>> {
    if (!trace && this.combined) {
      try {
        return pruneEmpty(((await this.combined.evaluate(input, bindings)) ?? {}) as Record<string, unknown>, this.parents);
      } catch (e) {
        // An unmapped code names its value map already; an expression failure is located field by field below.
        if (e instanceof MappingError && e.code !== 'expression-failed') throw e;
      }
    }
    const out: Record<string, unknown> = {};
    for (const field of this.fields) {
      const value = await field.expression.evaluate(input, bindings, trace);
      if (value !== undefined) setPath(out, field.path, value);
    }
    return out;
  }
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    node = (next && typeof next === 'object' && !Array.isArray(next) ? next : (node[key] = {})) as Record<string, unknown>;
  }
  node[keys[keys.length - 1]] = value;
}

interface Tree {
  [key: string]: Tree | string;
}

/** `{"a": (e1), "b": {"c": (e2)}}` for parts `a` and `b.c`. */
function combinedSource(parts: Array<{ key: string; source: string }>): string {
  const tree: Tree = {};
  for (const { key: path, source } of parts) {
    const keys = path.split('.');
    let node = tree;
    for (const key of keys.slice(0, -1)) node = typeof node[key] === 'object' ? node[key] : (node[key] = {});
    node[keys[keys.length - 1]] = source;
  }
  const render = (node: Tree): string =>
    `{${Object.entries(node)
      .map(([key, v]) => `${JSON.stringify(key)}: ${typeof v === 'string' ? `(${v}\n)` : render(v)}`)
      .join(', ')}}`;
  return render(tree);
}

/** Drops the intermediate objects of dotted paths whose fields all evaluated to nothing. */
function pruneEmpty(value: Record<string, unknown>, parents: ReadonlySet<string>): Record<string, unknown> {
  if (parents.size === 0) return value;
  const walk = (node: Record<string, unknown>, prefix: string) => {
    for (const [key, v] of Object.entries(node)) {
      const path = prefix ? `${prefix}.${key}` : key;
      if (!parents.has(path) || !v || typeof v !== 'object') continue;
      walk(v as Record<string, unknown>, path);
      if (Object.keys(v).length === 0) delete node[key];
    }
  };
  walk(value, '');
  return value;
}
