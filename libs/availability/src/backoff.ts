import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';

export interface StartupBackoff {
  /** First wait; doubles after each failure. */
  initialMs: number;
  /** Longest wait between two attempts. */
  maxMs: number;
}

/** 0.5 s, 1 s, 2 s … 10 s: quick when a dependency is a moment late, cheap when it is gone for long. */
export const DEFAULT_STARTUP_BACKOFF: StartupBackoff = { initialMs: 500, maxMs: 10_000 };

/**
 * Exponential backoff with jitter: base·2^(n-1), capped, then scaled by a
 * random factor in [0.5, 1) so receivers coming back are not hit in lockstep.
 */
export function retryDelayMs(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const exponential = Math.min(maxMs, baseMs * 2 ** Math.min(Math.max(0, attempt - 1), 30));
  return Math.round(exponential * (0.5 + random() * 0.5));
}

/** The start-up schedule: the same doubling without jitter (one process waiting for its own database). */
export function backoffDelayMs(failures: number, backoff: StartupBackoff = DEFAULT_STARTUP_BACKOFF): number {
  return retryDelayMs(failures, backoff.initialMs, backoff.maxMs, () => 1);
}

export class RetryAborted extends Error {
  constructor(what: string) {
    super(`stopped waiting for ${what}`);
    this.name = 'RetryAborted';
  }
}

export interface RetryOptions {
  logger: Logger;
  backoff?: StartupBackoff;
  /** Give up with this error when it returns false (a bug or a bad configuration: waiting will not help). */
  retryable?: (error: unknown) => boolean;
  /** Stop waiting (process shutdown). */
  signal?: AbortSignal;
  /** Extra log fields, e.g. the target host — never credentials. */
  context?: Record<string, unknown>;
}

/**
 * Runs `attempt` until it succeeds, waiting with capped exponential backoff
 * between failures and logging each one at warn with its reason. For start-up
 * against dependencies that may come up after the process (the usual order
 * under an orchestrator).
 */
export async function retryWithBackoff<T>(what: string, attempt: () => Promise<T>, options: RetryOptions): Promise<T> {
  const { logger, backoff = DEFAULT_STARTUP_BACKOFF, retryable = () => true, signal, context = {} } = options;
  for (let failures = 1; ; failures++) {
    if (signal?.aborted) throw new RetryAborted(what);
    try {
      const result = await attempt();
      if (failures > 1) logger.info({ ...context, attempts: failures }, `${what}: connected`);
      return result;
    } catch (error) {
      if (signal?.aborted) throw new RetryAborted(what);
      if (!retryable(error)) throw error;
      const waitMs = backoffDelayMs(failures, backoff);
      logger.warn({ ...context, attempt: failures, retryInMs: waitMs, reason: reasonOf(error) }, `${what}: not reachable yet; retrying`);
      // An abort ends the wait early; the loop then throws RetryAborted.
      await sleep(waitMs, undefined, { signal }).catch(() => undefined);
    }
  }
}

/** The error's message, with any inner causes, and without a stack. */
export function reasonOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const inner = error instanceof AggregateError && error.errors.length > 0 ? ` (${error.errors.map(reasonOf).join('; ')})` : '';
  const cause = error.cause instanceof Error ? `: ${reasonOf(error.cause)}` : '';
  const code = (error as { code?: unknown }).code;
  return `${error.message || error.name}${typeof code === 'string' && !error.message.includes(code) ? ` [${code}]` : ''}${inner}${cause}`;
}
