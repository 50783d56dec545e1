/** The hub's backing services; a request that needs one that cannot be reached answers 503. */
export type Dependency = 'database' | 'redis';

const MARK = Symbol.for('drehscheibe.unavailableDependency');

/** Raised where the hub itself finds a dependency unreachable (a failed PING, a timed-out enqueue). */
export class DependencyUnavailableError extends Error {
  constructor(
    readonly dependency: Dependency,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'DependencyUnavailableError';
    markUnavailable(this, dependency);
  }
}

/**
 * Marks an error as "this dependency could not be reached", where only the
 * caller knows which dependency raised it (a failed connection attempt of the
 * database pool is a bare socket error such as ECONNREFUSED).
 */
export function markUnavailable<E>(error: E, dependency: Dependency): E {
  if (error && typeof error === 'object' && !Object.isFrozen(error)) {
    Object.defineProperty(error, MARK, { value: dependency, enumerable: false, configurable: true });
  }
  return error;
}

/**
 * SQLSTATEs that say "the server cannot serve you now": class 08 (connection
 * exception), shutdown by an administrator or a crash, still starting up, too
 * many connections. Everything else (constraint violations, syntax errors,
 * serialization failures…) is the hub's own business and never a 503.
 */
const PG_UNAVAILABLE_STATES = new Set(['57P01', '57P02', '57P03', '53300']);
const isPgUnavailableState = (code: string) => /^08[0-9A-Z]{3}$/.test(code) || PG_UNAVAILABLE_STATES.has(code);

/** What pg and pg-pool say when a connection is lost, cannot be made in time, or no pool slot frees up in time. */
const PG_CONNECTION_MESSAGES = [
  /^Connection terminated/, // "… unexpectedly", "… due to connection timeout"
  /^timeout exceeded when trying to connect$/,
  /^Client has encountered a connection error and is not queryable$/,
];

/** What ioredis (and BullMQ on top of it) say when a command cannot reach Redis. */
const REDIS_CONNECTION_MESSAGES = [
  /^Connection is closed\.$/,
  /^Stream isn't writeable and enableOfflineQueue options is false$/,
  /^Command timed out$/,
  /^Reached the max retries per request limit/,
  /^LOADING /, // Redis is starting and reading its AOF
];
const REDIS_ERROR_NAMES = new Set(['MaxRetriesPerRequestError', 'ConnectionClosedError']);

interface ErrorShape {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  driverError?: unknown;
  cause?: unknown;
  errors?: unknown;
  [MARK]?: Dependency;
}

/**
 * Which dependency an error says is unreachable, or null when it says
 * something else. One place for the whole hub: the API's problem mapping,
 * the start-up retries and the worker's logs all ask here. Looks through
 * TypeORM's `QueryFailedError.driverError`, `cause` and `AggregateError`s.
 * A bare socket error counts only when marked by its source (see
 * `markUnavailable`): a DNS failure for a participant's endpoint is not the
 * database being down.
 */
export function unavailableDependency(error: unknown, depth = 0): Dependency | null {
  if (!error || typeof error !== 'object' || depth > 5) return null;
  const e = error as ErrorShape;
  if (e[MARK]) return e[MARK];
  const message = typeof e.message === 'string' ? e.message : '';
  if (typeof e.code === 'string' && e.code.length === 5 && isPgUnavailableState(e.code) && 'severity' in e) return 'database';
  if (PG_CONNECTION_MESSAGES.some((m) => m.test(message))) return 'database';
  if ((typeof e.name === 'string' && REDIS_ERROR_NAMES.has(e.name)) || REDIS_CONNECTION_MESSAGES.some((m) => m.test(message))) return 'redis';
  for (const inner of [e.driverError, e.cause, ...(Array.isArray(e.errors) ? (e.errors as unknown[]) : [])]) {
    const found = unavailableDependency(inner, depth + 1);
    if (found) return found;
  }
  return null;
}
