import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { OpenApiDocument } from './openapi-document.js';

// ajv-formats is CommonJS; its default export arrives wrapped under ESM.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv2020) => void;

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;

export interface Violation {
  /** JSON Pointer into the request: `/body/subject`, `/query/limit`, `/header/if-match`. */
  pointer: string;
  message: string;
}

interface ParameterSpec {
  name: string;
  in: 'path' | 'query' | 'header';
  required?: boolean;
  schema: unknown;
}

type ParameterLocation = 'path' | 'query' | 'header';

interface RequestValidators {
  body?: { required: boolean; byMediaType: Map<string, ValidateFunction> };
  /** One object schema per location; query strings are coerced to their types in place. */
  parameters: Partial<Record<ParameterLocation, ValidateFunction>>;
}

/** An operation of the document; its validators are compiled on first use and kept. */
interface Operation {
  item: Record<string, unknown>;
  op: Record<string, unknown>;
  request?: RequestValidators;
  responses?: Map<string, Map<string, ValidateFunction>>;
}

const SPEC_ID = 'https://drehscheibe.invalid/openapi.json';
const SCHEMA_REF = /^#\/components\/schemas\//;

function describe(error: ErrorObject, prefix: string): Violation {
  let pointer = prefix + error.instancePath;
  let message = error.message ?? 'is invalid';
  if (error.keyword === 'additionalProperties' || error.keyword === 'unevaluatedProperties') {
    const extra = error.params as { additionalProperty?: string; unevaluatedProperty?: string };
    pointer += `/${extra.additionalProperty ?? extra.unevaluatedProperty}`;
    message = 'is not a known field';
  } else if (error.keyword === 'required') {
    pointer += `/${(error.params as { missingProperty: string }).missingProperty}`;
    message = 'is required';
  } else if (error.keyword === 'enum') {
    message = `must be one of ${(error.params as { allowedValues: unknown[] }).allowedValues.join(', ')}`;
  }
  return { pointer, message };
}

/**
 * Validates requests and responses against the OpenAPI document with ajv —
 * the same schemas Swagger UI shows and the TypeScript types come from.
 *
 * Compiling every schema of the document takes seconds of CPU, most of it for
 * responses, which only tests check. So an operation's validators are compiled
 * when it is first used; `compileRequestValidators` compiles every request
 * validator up front, for a server that wants no first-request cost.
 */
export class SpecValidator {
  private readonly ajv: Ajv2020;
  /** Parameters arrive as strings; this instance coerces them to the declared types. */
  private readonly parameterAjv: Ajv2020;
  private readonly operations = new Map<string, Operation>();

  constructor(private readonly document: OpenApiDocument) {
    this.ajv = new Ajv2020({ allErrors: true, strict: true, coerceTypes: false, useDefaults: true });
    addFormats(this.ajv);
    // Binary bodies (attachments) are not JSON; the schema only documents them.
    this.ajv.addFormat('binary', true);
    this.ajv.addVocabulary(['example', 'discriminator', 'xml', 'externalDocs']);
    // The component schemas become one registered schema's $defs; refs are rewritten to point there.
    this.ajv.addSchema({ $id: SPEC_ID, $defs: this.rebase(document.components.schemas) as Record<string, object> });
    this.parameterAjv = new Ajv2020({ allErrors: true, strict: true, coerceTypes: 'array', useDefaults: true });
    addFormats(this.parameterAjv);
    this.parameterAjv.addVocabulary(['example', 'discriminator', 'xml', 'externalDocs']);
    this.parameterAjv.addSchema({ $id: SPEC_ID, $defs: this.rebase(document.components.schemas) as Record<string, object> });
    for (const [path, item] of Object.entries(document.paths)) {
      for (const method of HTTP_METHODS) {
        const op = item[method] as Record<string, unknown> | undefined;
        if (op) this.operations.set(`${method.toUpperCase()} ${path}`, { item, op });
      }
    }
  }

  /** Compiles the request validators of every operation now rather than on first use. */
  compileRequestValidators(): void {
    for (const operation of this.operations.values()) this.requestValidators(operation);
  }

  /** `METHOD /path/{param}` for every operation in the document. */
  operationKeys(): string[] {
    return [...this.operations.keys()];
  }

  has(method: string, path: string): boolean {
    return this.operations.has(`${method.toUpperCase()} ${path}`);
  }

  /** By schema object: the shared responses (problems) name the same schema in every operation. */
  private readonly compiled = new Map<unknown, ValidateFunction>();

  private compile(schema: unknown): ValidateFunction {
    let validate = this.compiled.get(schema);
    if (!validate) {
      validate = this.ajv.compile(this.rebase(schema) as object);
      this.compiled.set(schema, validate);
    }
    return validate;
  }

  /** Points `#/components/schemas/X` refs at the registered `$defs`. */
  private rebase(schema: unknown): unknown {
    if (Array.isArray(schema)) return schema.map((s) => this.rebase(s));
    if (schema && typeof schema === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(schema)) {
        out[k] = k === '$ref' && typeof v === 'string' ? v.replace(SCHEMA_REF, `${SPEC_ID}#/$defs/`) : this.rebase(v);
      }
      return out;
    }
    return schema;
  }

  private deref<T>(value: T): T {
    const ref = (value as { $ref?: string })?.$ref;
    if (!ref) return value;
    const resolved = ref
      .slice(2)
      .split('/')
      .reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], this.document);
    return this.deref(resolved as T);
  }

  private requestValidators(operation: Operation): RequestValidators {
    operation.request ??= this.compileRequest(operation.item, operation.op);
    return operation.request;
  }

  private compileRequest(item: Record<string, unknown>, op: Record<string, unknown>): RequestValidators {
    const params = [...((item.parameters as unknown[]) ?? []), ...((op.parameters as unknown[]) ?? [])].map((p) => this.deref(p) as ParameterSpec);
    const result: RequestValidators = { parameters: {} };
    for (const location of ['path', 'query', 'header'] as const) {
      const here = params.filter((p) => p.in === location);
      if (here.length === 0) continue;
      const name = (p: ParameterSpec) => (location === 'header' ? p.name.toLowerCase() : p.name);
      result.parameters[location] = this.parameterAjv.compile(
        this.rebase({
          type: 'object',
          properties: Object.fromEntries(here.map((p) => [name(p), p.schema])),
          required: here.filter((p) => p.required).map(name),
          // Unknown query parameters are refused like unknown body fields; headers are open.
          additionalProperties: location !== 'query',
        }) as object,
      );
    }
    const body = this.deref(op.requestBody as { required?: boolean; content: Record<string, { schema: unknown }> } | undefined);
    if (body) {
      result.body = { required: body.required ?? false, byMediaType: new Map() };
      for (const [mediaType, content] of Object.entries(body.content)) {
        result.body.byMediaType.set(mediaType, this.compile(content.schema));
      }
    }
    return result;
  }

  private responseValidators(operation: Operation): Map<string, Map<string, ValidateFunction>> {
    if (!operation.responses) {
      operation.responses = new Map();
      for (const [status, response] of Object.entries((operation.op.responses as Record<string, unknown>) ?? {})) {
        const content = (this.deref(response) as { content?: Record<string, { schema: unknown }> }).content ?? {};
        const byType = new Map<string, ValidateFunction>();
        for (const [mediaType, c] of Object.entries(content)) byType.set(mediaType, this.compile(c.schema));
        operation.responses.set(status, byType);
      }
    }
    return operation.responses;
  }

  private operation(method: string, path: string): Operation {
    const op = this.operations.get(`${method.toUpperCase()} ${path}`);
    if (!op) throw new Error(`no operation ${method} ${path} in the OpenAPI document`);
    return op;
  }

  /**
   * Checks a request's parameters and body. Applies schema defaults to the
   * body in place. Returns an empty list when the request is valid.
   */
  validateRequest(
    method: string,
    path: string,
    request: { body?: unknown; mediaType?: string; query?: Record<string, unknown>; params?: Record<string, unknown>; headers?: Record<string, unknown> },
  ): Violation[] {
    const op = this.requestValidators(this.operation(method, path));
    const violations: Violation[] = [];
    const sources: Record<ParameterLocation, Record<string, unknown> | undefined> = { path: request.params, query: request.query, header: request.headers };
    for (const [location, validate] of Object.entries(op.parameters) as Array<[ParameterLocation, ValidateFunction]>) {
      const values = sources[location] ?? {};
      if (!validate(values)) violations.push(...(validate.errors ?? []).map((e) => describe(e, `/${location}`)));
    }
    if (op.body) {
      // Only a missing body is absent: a JSON `null` is a value, and the schema decides (an object is never null).
      if (request.body === undefined) {
        if (op.body.required) violations.push({ pointer: '/body', message: 'a request body is required' });
      } else {
        const validate = op.body.byMediaType.get(request.mediaType ?? 'application/json');
        if (validate && !Buffer.isBuffer(request.body) && !validate(request.body)) violations.push(...(validate.errors ?? []).map((e) => describe(e, '/body')));
      }
    }
    return violations;
  }

  /** Media types the operation accepts as a body, or none. */
  requestMediaTypes(method: string, path: string): string[] {
    const body = this.deref(this.operation(method, path).op.requestBody as { content: Record<string, unknown> } | undefined);
    return Object.keys(body?.content ?? {});
  }

  /** For tests: does a response match what the document promises? */
  validateResponse(method: string, path: string, status: number, mediaType: string | undefined, body: unknown): Violation[] {
    const responses = this.responseValidators(this.operation(method, path));
    const byType = responses.get(String(status)) ?? responses.get(`${String(status)[0]}XX`) ?? responses.get('default');
    if (!byType) return [{ pointer: '/status', message: `status ${status} is not documented for ${method} ${path}` }];
    if (byType.size === 0) return [];
    const type = mediaType?.split(';')[0].trim() ?? '';
    const validate = byType.get(type) ?? byType.get('*/*');
    if (validate && typeof body === 'string' && !byType.has(type)) return [];
    if (!validate)
      return [
        { pointer: '/content-type', message: `${type || 'no content type'} is not documented for ${status} (expected ${[...byType.keys()].join(', ')})` },
      ];
    return validate(body) ? [] : (validate.errors ?? []).map((e) => describe(e, '/body'));
  }
}
