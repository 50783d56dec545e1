/**
 * Exponential backoff with jitter: base·2^(n-1), capped, then scaled by a
 * random factor in [0.5, 1) so receivers coming back are not hit in lockstep.
 */
export function retryDelayMs(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const exponential = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exponential * (0.5 + random() * 0.5));
}
