import type { paths } from '@drehscheibe/contracts';
import { ProblemError } from './problem.js';

/**
 * A query as the router parsed it (`parseQueryStrictly`): text, and an array
 * where a name was repeated. SpecValidationInterceptor checks it against the
 * contract but leaves it as it is; each controller turns it into typed values
 * with the readers below, so nothing depends on a validator coercing in place.
 */
export type RawQuery = Readonly<Record<string, string | string[] | undefined>>;

type Method = 'get' | 'put' | 'post' | 'delete' | 'patch';
/** The typed query of an operation, as the contract (openapi/, generated types) declares it. */
export type QueryOf<P extends keyof paths, M extends Method & keyof paths[P]> = paths[P][M] extends { parameters: { query?: infer Q } }
  ? NonNullable<Q>
  : never;

/** The contract's default page size (`components.parameters.Limit`; a test keeps the two equal). */
export const DEFAULT_PAGE_SIZE = 50;

/** Only for what the contract did not check (a caller that bypassed it): the same answer it gives. */
function invalid(name: string, message: string): ProblemError {
  return new ProblemError('validation-failed', `/query/${name} ${message}`, { errors: [{ pointer: `/query/${name}`, message }] });
}

/** One text parameter; absent is undefined. */
export function queryText(query: RawQuery, name: string): string | undefined {
  const value = query[name];
  if (Array.isArray(value)) throw invalid(name, 'must be given once');
  return value;
}

/** One text parameter the operation requires. */
export function requiredQueryText(query: RawQuery, name: string): string {
  const value = queryText(query, name);
  if (value === undefined) throw invalid(name, 'is required');
  return value;
}

/** One integer parameter; absent is undefined. */
export function queryInteger(query: RawQuery, name: string): number | undefined {
  const text = queryText(query, name);
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === '' || !Number.isSafeInteger(value)) throw invalid(name, 'must be integer');
  return value;
}

/** One parameter out of a fixed set (an enum of the contract); absent is undefined. */
export function queryChoice<T extends string>(query: RawQuery, name: string, choices: readonly T[]): T | undefined {
  const text = queryText(query, name);
  if (text !== undefined && !(choices as readonly string[]).includes(text)) throw invalid(name, `must be one of ${choices.join(', ')}`);
  return text as T | undefined;
}
