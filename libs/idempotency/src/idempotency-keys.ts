import { randomUUID } from 'node:crypto';
import { poolOf, runPrepared, type EncryptedColumn, type PreparedStatement } from '@drehscheibe/persistence';
import type { FieldCipher } from '@drehscheibe/security';
import type { DataSource, EntityManager } from 'typeorm';

export interface IdempotencySettings {
  /** A key older than this counts as new; the worker deletes it. */
  keyTtlSeconds: number;
  /** How long a request holds its key before a retry may take it over. */
  leaseSeconds: number;
}

export interface KeyedRequest {
  clientId: string;
  key: string;
  method: string;
  path: string;
  body: string | Buffer;
}

export interface StoredReply {
  statusCode: number;
  headers: Record<string, string>;
  body: unknown;
}

/** The ticket change a key's request committed. */
export interface Outcome {
  ticketId: string;
  ticketVersion: number;
}

/** This request's hold on a key: only the holder stores the answer or releases the key. */
export interface Lease {
  clientId: string;
  key: string;
  token: string;
}

export type Claim =
  /** A new key, or an unfinished one taken over that committed nothing: run the request. */
  | { kind: 'run'; lease: Lease }
  /** An unfinished key taken over whose change had committed: answer from it, do not apply it again. */
  | { kind: 'outcome'; lease: Lease; outcome: Outcome }
  /** Finished before: the first answer. */
  | { kind: 'replay'; reply: StoredReply }
  /** The key was used for another request. */
  | { kind: 'reused' }
  /** Another request holds the key; its lease ends in `retryAfterSeconds`. */
  | { kind: 'in-use'; retryAfterSeconds: number };

const CLAIM: PreparedStatement = {
  name: 'idempotency_claim_v1',
  // A key past its time-to-live is claimed afresh, as if it were new.
  text: `INSERT INTO idempotency_keys AS k (client_id, key, method, path, request_hash, created_at, locked_until, lease_token, changes_applied)
         VALUES ($1, $2, $3, $4, $5, now(), now() + $6 * interval '1 second', $7, 0)
         ON CONFLICT (client_id, key) DO UPDATE
           SET method = EXCLUDED.method, path = EXCLUDED.path, request_hash = EXCLUDED.request_hash, created_at = EXCLUDED.created_at,
               locked_until = EXCLUDED.locked_until, lease_token = EXCLUDED.lease_token, status_code = NULL, response_enc = NULL,
               ticket_id = NULL, ticket_version = NULL, changes_applied = 0
         WHERE k.created_at <= now() - $8 * interval '1 second'
         RETURNING 1 AS claimed`,
};

const TAKE_OVER: PreparedStatement = {
  name: 'idempotency_take_over_v2',
  // Atomic: of several retries only one gets the row; the others see the new lease.
  // $3: the request's digest under each data key of the ring (a key claimed before a rotation still matches).
  text: `UPDATE idempotency_keys SET locked_until = now() + $4 * interval '1 second', lease_token = $5
          WHERE client_id = $1 AND key = $2 AND request_hash = ANY($3::text[]) AND status_code IS NULL AND locked_until < now()
         RETURNING ticket_id, ticket_version`,
};

const READ: PreparedStatement = {
  name: 'idempotency_read_v1',
  text: `SELECT request_hash, status_code, response_enc,
                greatest(1, ceil(extract(epoch FROM locked_until - now())))::int AS retry_after
           FROM idempotency_keys WHERE client_id = $1 AND key = $2`,
};

const COMPLETE: PreparedStatement = {
  name: 'idempotency_complete_v1',
  text: `UPDATE idempotency_keys SET status_code = $4, response_enc = $5
          WHERE client_id = $1 AND key = $2 AND lease_token = $3`,
};

const RELEASE: PreparedStatement = {
  name: 'idempotency_release_v1',
  // Deletes the holder's claim unless a change was committed under the key;
  // then (or when another request holds it) reads the recorded outcome.
  text: `WITH released AS (
           DELETE FROM idempotency_keys WHERE client_id = $1 AND key = $2 AND lease_token = $3 AND ticket_id IS NULL RETURNING 1)
         SELECT ticket_id, ticket_version FROM idempotency_keys
          WHERE client_id = $1 AND key = $2 AND NOT EXISTS (SELECT 1 FROM released)`,
};

interface OutcomeRow {
  ticket_id: string | null;
  ticket_version: number | null;
}

interface KeyRow {
  request_hash: string;
  status_code: number | null;
  response_enc: string | null;
  retry_after: number;
}

const outcomeOf = (row: OutcomeRow | undefined): Outcome | null => (row?.ticket_id ? { ticketId: row.ticket_id, ticketVersion: row.ticket_version! } : null);

/**
 * `Idempotency-Key` records (DESIGN.md 6). A request claims its key with a
 * lease; a request that crashed leaves an unfinished claim that a retry may
 * take over once the lease has run out. A ticket change records itself on
 * the key in its own statement (`recordOutcomeCte`), so a retry of a request
 * whose change committed answers from that change instead of applying it
 * again. Answers (headers and body) are stored encrypted with the data key,
 * requests only as a keyed digest: neither holds personal data in the clear.
 */
export class IdempotencyKeys {
  constructor(
    private readonly dataSource: DataSource,
    private readonly cipher: FieldCipher,
    private readonly settings: IdempotencySettings,
  ) {}

  async claim(request: KeyedRequest): Promise<Claim> {
    const { clientId, key } = request;
    // Claimed under the current data key; compared under every key of the ring, so a rotation does not turn retries into reuse.
    const [requestHash, ...earlierHashes] = this.cipher.digests(`${request.method} ${request.path}\n`, request.body);
    const sameRequest = (hash: string) => hash === requestHash || earlierHashes.includes(hash);
    const pool = poolOf(this.dataSource);
    // A key deleted between two of these statements (its request failed) is claimed again on the next round.
    for (let round = 0; round < 3; round++) {
      const lease = { clientId, key, token: randomUUID() };
      const claimed = await runPrepared(pool, CLAIM, [
        clientId,
        key,
        request.method,
        request.path,
        requestHash,
        this.settings.leaseSeconds,
        lease.token,
        this.settings.keyTtlSeconds,
      ]);
      if (claimed.length > 0) return { kind: 'run', lease };
      const [taken] = await runPrepared<OutcomeRow>(pool, TAKE_OVER, [clientId, key, [requestHash, ...earlierHashes], this.settings.leaseSeconds, lease.token]);
      if (taken) {
        const outcome = outcomeOf(taken);
        return outcome ? { kind: 'outcome', lease, outcome } : { kind: 'run', lease };
      }
      const [row] = await runPrepared<KeyRow>(pool, READ, [clientId, key]);
      if (!row) continue;
      if (!sameRequest(row.request_hash)) return { kind: 'reused' };
      if (row.status_code === null) return { kind: 'in-use', retryAfterSeconds: row.retry_after };
      const { headers, body } = this.cipher.decrypt<Omit<StoredReply, 'statusCode'>>(row.response_enc!);
      return { kind: 'replay', reply: { statusCode: row.status_code, headers, body } };
    }
    return { kind: 'in-use', retryAfterSeconds: 1 };
  }

  /** Stores the answer for replays, if this request still holds the key. */
  async complete(lease: Lease, reply: StoredReply): Promise<void> {
    await runPrepared(poolOf(this.dataSource), COMPLETE, [
      lease.clientId,
      lease.key,
      lease.token,
      reply.statusCode,
      this.cipher.encrypt({ headers: reply.headers, body: reply.body }),
    ]);
  }

  /**
   * After a failed request: frees the key for a retry, unless a ticket change
   * was committed under it (by this request before it failed, or by another
   * that took the key over) — that outcome is returned, to answer from.
   */
  async release(lease: Lease): Promise<Outcome | null> {
    const [row] = await runPrepared<OutcomeRow>(poolOf(this.dataSource), RELEASE, [lease.clientId, lease.key, lease.token]);
    return outcomeOf(row);
  }
}

const PURGE: PreparedStatement = {
  name: 'idempotency_purge_v1',
  // Oldest first along the created_at index; SKIP LOCKED keeps worker replicas out of each other's way.
  text: `DELETE FROM idempotency_keys WHERE (client_id, key) IN (
           SELECT client_id, key FROM idempotency_keys WHERE created_at <= now() - $1 * interval '1 second'
            ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED)
         RETURNING 1`,
};

/** Expired keys are deleted in batches of this many, at most this many batches per run (the timer comes back). */
const PURGE_BATCH = 1000;
const PURGE_MAX_BATCHES = 10;

/** Deletes expired keys in batches (at most `maxBatches` per call); returns how many. */
export async function purgeExpiredIdempotencyKeys(dataSource: DataSource, keyTtlSeconds: number): Promise<number> {
  let deleted = 0;
  for (let i = 0; i < PURGE_MAX_BATCHES; i++) {
    const rows = await runPrepared(poolOf(dataSource), PURGE, [keyTtlSeconds, PURGE_BATCH]);
    deleted += rows.length;
    if (rows.length < PURGE_BATCH) break;
  }
  return deleted;
}

/**
 * A stored answer about a ticket may carry its requester (the origin's and
 * assignee's view): the requester purge deletes the keys of purged tickets
 * (the tickets' port `RequesterCopies`, wired in the worker). A retry with
 * such a key counts as new, as after the key's time-to-live.
 */
export const idempotencyRequesterCopies = {
  name: 'idempotent answers',
  async forget(em: EntityManager, ticketIds: string[]): Promise<void> {
    await em.query(`DELETE FROM idempotency_keys WHERE ticket_id = ANY($1::uuid[])`, [ticketIds]);
  },
};

/** Stored answers are encrypted with the data key, for `hub-cli rotate-data-key`. */
export const idempotencyEncryptedColumns: EncryptedColumn[] = [{ table: 'idempotency_keys', key: ['client_id', 'key'], column: 'response_enc' }];
