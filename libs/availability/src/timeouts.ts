/** A dependency as a readiness check reports it. */
export type CheckState = 'up' | 'down';

/** How long a readiness probe may take before its dependency counts as down. */
export const CHECK_TIMEOUT_MS = 1500;

/** `promise`, or a rejection with `onTimeout()` once `ms` have passed; the timer never outlives the race. */
export function withTimeout<T>(promise: Promise<T>, ms: number, onTimeout: () => Error = () => new Error(`timed out after ${ms} ms`)): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(onTimeout()), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** One readiness probe (a `SELECT 1`, a Redis PING): `up` if it answers in time, else `down`. Never throws. */
export function checkDependency(probe: () => Promise<unknown>): Promise<CheckState> {
  return withTimeout(probe(), CHECK_TIMEOUT_MS).then(
    () => 'up' as const,
    () => 'down' as const,
  );
}
