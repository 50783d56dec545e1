import type { StoredConnectorError, StoredPendingWrite } from '@drehscheibe/persistence';
import type { DataSource } from 'typeorm';

/** Where a connector goes on from when it takes over a participant's system. */
export interface ResumePoint {
  watermark: Record<string, unknown> | null;
  feedCursor: string | null;
  pendingWrite: StoredPendingWrite | null;
}

export interface CycleFigures {
  applied: number;
  echoes: number;
  lagMs: number | null;
}

/** Another replica took the system over (this one paused longer than its lease): stop at once, write nothing more. */
export class LeaseLost extends Error {
  constructor(participantId: string) {
    super(`the connector lease for ${participantId} is held by another replica now`);
    this.name = 'LeaseLost';
  }
}

/**
 * A connector's running state in `connector_states`. Every write is fenced
 * by the lease: it changes the row only while this replica holds an
 * unexpired lease, so a replica that stalled past its lease cannot move the
 * watermark or the feed cursor of the one that took over.
 */
export class ConnectorStates {
  constructor(private readonly dataSource: DataSource) {}

  /** Takes the lease when it is free, expired or already ours; null when another replica holds it. */
  async acquire(participantId: string, owner: string, leaseMs: number): Promise<ResumePoint | null> {
    const rows = await this.dataSource.query<
      Array<{ watermark: ResumePoint['watermark']; feed_cursor: string | null; pending_write: StoredPendingWrite | null }>
    >(
      `INSERT INTO connector_states (participant_id, lease_owner, lease_until)
       VALUES ($1, $2, clock_timestamp() + $3 * interval '1 millisecond')
       ON CONFLICT (participant_id) DO UPDATE SET lease_owner = EXCLUDED.lease_owner, lease_until = EXCLUDED.lease_until
        WHERE connector_states.lease_owner IS NULL OR connector_states.lease_owner = $2 OR connector_states.lease_until < clock_timestamp()
       RETURNING watermark, feed_cursor, pending_write`,
      [participantId, owner, leaseMs],
    );
    const row = rows[0];
    return row ? { watermark: row.watermark, feedCursor: row.feed_cursor, pendingWrite: row.pending_write } : null;
  }

  /** Extends the lease; throws LeaseLost when it is not ours any more. */
  async renew(participantId: string, owner: string, leaseMs: number): Promise<void> {
    await this.fenced(participantId, owner, `lease_until = clock_timestamp() + $3 * interval '1 millisecond'`, [leaseMs]);
  }

  /** Gives the lease up (a clean stop), so another replica can go on at once. */
  async release(participantId: string, owner: string): Promise<void> {
    await this.dataSource.query(`UPDATE connector_states SET lease_owner = NULL, lease_until = NULL WHERE participant_id = $1 AND lease_owner = $2`, [
      participantId,
      owner,
    ]);
  }

  /** After a poll whose changes are all applied: the new watermark, and what operators see. */
  async polled(participantId: string, owner: string, watermark: Record<string, unknown>, figures: CycleFigures): Promise<void> {
    await this.fenced(
      participantId,
      owner,
      `watermark = $3::jsonb, last_poll_at = clock_timestamp(), changes_applied = changes_applied + $4, echoes_suppressed = echoes_suppressed + $5,
       lag_ms = COALESCE($6::bigint, lag_ms)`,
      [JSON.stringify(watermark), figures.applied, figures.echoes, figures.lagMs],
    );
  }

  /** Before a write: what it is and what the system looked like, so a restart can tell whether it arrived. */
  async startWrite(participantId: string, owner: string, pending: StoredPendingWrite): Promise<void> {
    await this.fenced(participantId, owner, `pending_write = $3::jsonb`, [JSON.stringify(pending)]);
  }

  /** The write arrived (or the event needs none): the feed goes on after it. */
  async advanceFeed(participantId: string, owner: string, cursor: string, wrote: boolean): Promise<void> {
    await this.fenced(participantId, owner, `pending_write = NULL, feed_cursor = $3, writes = writes + $4`, [cursor, wrote ? 1 : 0]);
  }

  /** A whole cycle (poll and writes) went through. */
  async succeeded(participantId: string, owner: string): Promise<void> {
    await this.fenced(participantId, owner, `last_success_at = clock_timestamp(), last_poll_at = clock_timestamp(), consecutive_failures = 0`, []);
  }

  /** A cycle failed: counted, with its cause, for the admin view, metrics and alerts. */
  async failed(participantId: string, error: Omit<StoredConnectorError, 'at'>): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO connector_states (participant_id, last_error, consecutive_failures, last_poll_at)
       VALUES ($1, $2::jsonb, 1, clock_timestamp())
       ON CONFLICT (participant_id) DO UPDATE SET last_error = EXCLUDED.last_error, last_poll_at = EXCLUDED.last_poll_at,
         consecutive_failures = connector_states.consecutive_failures + 1`,
      [participantId, JSON.stringify({ at: new Date().toISOString(), ...error })],
    );
  }

  /** A change the hub refused (it is skipped, the connector goes on): the error stays visible, nothing fails. */
  async refused(participantId: string, error: Omit<StoredConnectorError, 'at'>): Promise<void> {
    await this.dataSource.query(`UPDATE connector_states SET last_error = $2::jsonb WHERE participant_id = $1`, [
      participantId,
      JSON.stringify({ at: new Date().toISOString(), ...error }),
    ]);
  }

  private async fenced(participantId: string, owner: string, set: string, params: unknown[]): Promise<void> {
    const [, count] = await this.dataSource.query<[unknown[], number]>(
      `UPDATE connector_states SET ${set} WHERE participant_id = $1 AND lease_owner = $2 AND lease_until > clock_timestamp()`,
      [participantId, owner, ...params],
    );
    if (!count) throw new LeaseLost(participantId);
  }
}
