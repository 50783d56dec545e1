import { AsyncLocalStorage } from 'node:async_hooks';
import { queryPrepared, type PreparedStatement } from '@drehscheibe/persistence';
import type { EntityManager } from 'typeorm';

/** The Idempotency-Key a request runs under, for the writes that record its outcome. */
export interface IdempotencyScope {
  clientId: string;
  key: string;
}

const scopes = new AsyncLocalStorage<IdempotencyScope>();

/** Runs `fn` (and everything it awaits) under the request's key. */
export function runWithIdempotencyKey<T>(scope: IdempotencyScope, fn: () => T): T {
  return scopes.run(scope, fn);
}

/**
 * A CTE (`name AS (...)`) that records the ticket change a statement commits
 * as the outcome of the current request's key, in that same statement: if
 * the change commits, so does its outcome, and a retry after a crash finds
 * it. The parameters are the key's client and key (both null without a key:
 * the UPDATE then matches no row, a primary-key probe that costs next to
 * nothing) and the ticket's id and new version. A second change under the
 * same key fails the `idempotency_keys_applied_once` check and rolls back.
 */
export function recordOutcomeCte(name: string, params: { clientId: string; key: string; ticketId: string; version: string }): string {
  return `${name} AS (
      UPDATE idempotency_keys SET ticket_id = ${params.ticketId}, ticket_version = ${params.version}, changes_applied = changes_applied + 1
       WHERE client_id = ${params.clientId} AND key = ${params.key})`;
}

/** The values for `recordOutcomeCte`'s client and key parameters. */
export function outcomeKeyParams(): [string | null, string | null] {
  const scope = scopes.getStore();
  return scope ? [scope.clientId, scope.key] : [null, null];
}

const RECORD_OUTCOME: PreparedStatement = {
  name: 'idempotency_record_outcome_v1',
  text: `WITH ${recordOutcomeCte('mark', { clientId: '$1', key: '$2', ticketId: '$3', version: '$4' })} SELECT 1`,
};

/**
 * Records the outcome of a request that committed no ticket event (an
 * internal comment, or a change that changed nothing), inside its
 * transaction; nothing without a key.
 */
export async function recordOutcome(em: EntityManager, ticketId: string, version: number): Promise<void> {
  const scope = scopes.getStore();
  if (!scope) return;
  await queryPrepared(em, RECORD_OUTCOME, [scope.clientId, scope.key, ticketId, version]);
}
