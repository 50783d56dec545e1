import { SpecValidator, type OpenApiDocument, type Violation } from '@drehscheibe/contracts';
import type { InboundOperation } from './profile-document.js';

interface Schema {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, Schema>;
  allOf?: Schema[];
  oneOf?: Schema[];
  anyOf?: Schema[];
  additionalProperties?: boolean | Schema;
}

interface OperationRef {
  method: string;
  path: string;
  schema: Schema;
}

/**
 * The request bodies a mapping produces, as the OpenAPI document defines
 * them: which field paths exist (checked when a profile is saved) and
 * whether a mapped body would be accepted (checked on every message).
 */
export class RequestSchemas {
  private readonly operations = new Map<string, OperationRef>();
  constructor(
    private readonly document: OpenApiDocument,
    /** The app's validator of the same document, if it has one (compiling one costs start-up time). */
    private validatorInstance?: SpecValidator,
  ) {
    for (const [path, item] of Object.entries(document.paths)) {
      for (const [method, op] of Object.entries(
        item as Record<string, { operationId?: string; requestBody?: { content?: Record<string, { schema: Schema }> } }>,
      )) {
        const schema = op?.requestBody?.content?.['application/json']?.schema;
        if (op?.operationId && schema) this.operations.set(op.operationId, { method: method.toUpperCase(), path, schema });
      }
    }
  }

  private operation(operationId: InboundOperation): OperationRef {
    const op = this.operations.get(operationId);
    if (!op) throw new Error(`the OpenAPI document has no JSON request body for ${operationId}`);
    return op;
  }

  /** The schema name of an operation's body, for messages (`TicketCreate`). */
  bodyName(operationId: InboundOperation): string {
    return this.operation(operationId).schema.$ref?.split('/').pop() ?? operationId;
  }

  /** Whether a dotted field path can exist in the operation's request body. */
  hasPath(operationId: InboundOperation, path: string): boolean {
    return this.allows(this.operation(operationId).schema, path.split('.'));
  }

  /** Violations (`/body/...`) of a mapped body against the operation's request schema. */
  validate(operationId: InboundOperation, body: unknown): Violation[] {
    const op = this.operation(operationId);
    this.validatorInstance ??= new SpecValidator(this.document);
    return this.validatorInstance.validateRequest(op.method, op.path, { body, mediaType: 'application/json' }).filter((v) => v.pointer.startsWith('/body'));
  }

  private resolve(schema: Schema): Schema {
    if (!schema.$ref) return schema;
    const resolved = schema.$ref
      .slice(2)
      .split('/')
      .reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], this.document) as Schema;
    return this.resolve(resolved);
  }

  private allows(schema: Schema, keys: string[]): boolean {
    const s = this.resolve(schema);
    if (keys.length === 0) return true;
    const [key, ...rest] = keys;
    const alternatives = [...(s.allOf ?? []), ...(s.oneOf ?? []), ...(s.anyOf ?? [])];
    if (alternatives.some((a) => this.allows(a, keys))) return true;
    const property = s.properties?.[key];
    if (property) return this.allows(property, rest);
    if (s.additionalProperties && typeof s.additionalProperties === 'object') return this.allows(s.additionalProperties, rest);
    return s.additionalProperties === true;
  }
}
