import type { Dependency } from '@drehscheibe/availability';
import { problem, type ProblemDocument } from './problem.js';

/** What a 503 asks clients to wait: long enough for a restart or failover, short enough to notice recovery soon. */
export const RETRY_AFTER_SECONDS = 5;

const WHAT: Record<Dependency, string> = {
  database: 'its database',
  redis: 'its delivery queue (Redis)',
};

/** The 503 for a request that needs a dependency the hub cannot reach now. */
export function unavailableProblem(dependency: Dependency): { document: ProblemDocument; headers: Record<string, string> } {
  return {
    document: problem('service-unavailable', `the hub cannot reach ${WHAT[dependency]} at the moment; retry after ${RETRY_AFTER_SECONDS} s`),
    headers: { 'retry-after': String(RETRY_AFTER_SECONDS) },
  };
}

/** The 503 for a request that arrives while this process shuts down (a load balancer sends it elsewhere). */
export function restarting(): { document: ProblemDocument; headers: Record<string, string> } {
  return {
    document: problem('service-unavailable', `this hub process is shutting down; retry after ${RETRY_AFTER_SECONDS} s`),
    headers: { 'retry-after': String(RETRY_AFTER_SECONDS) },
  };
}
