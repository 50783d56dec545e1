import { poolOf, runPrepared, type PreparedStatement } from '@drehscheibe/persistence';
import type { DataSource } from 'typeorm';
import type { FeedPosition } from './event-feed.js';

/** A consumer as stored: its acknowledged position and its lease. */
export interface ConsumerRow {
  name: string;
  txid: string;
  position: string;
  lease_id: string | null;
  lease_until: Date | null;
  acknowledged_at: Date | null;
  created_at: Date;
}

/** Who holds a consumer's lease, when a change was refused: until when, and in how many whole seconds that is. */
export interface LeaseRow {
  lease_until: Date | null;
  retry_after: number | null;
}

const COLUMNS = `c.name, c.cursor_txid::text AS txid, c.cursor_position::text AS position, c.lease_id, c.lease_until, c.acknowledged_at, c.created_at`;
/** No reader holds the lease, or its holder let it run out: anyone may take it. */
const LEASE_FREE = `(c.lease_id IS NULL OR c.lease_until <= now())`;

const TAKE_LEASE: PreparedStatement = {
  name: 'feed_consumer_take_lease_v1',
  // One statement, so of two readers racing for a free lease exactly one wins:
  // the row lock makes the second re-check the condition against the first's
  // new lease. The holder ($5) renews its own lease, expired or not, as long
  // as nobody took it over. A consumer read for the first time is created at
  // the beginning of the feed.
  text: `INSERT INTO feed_consumers AS c (participant_id, name, cursor_txid, cursor_position, lease_id, lease_until, created_at, updated_at)
         VALUES ($1, $2, '0', 0, $3, now() + $4 * interval '1 second', now(), now())
         ON CONFLICT (participant_id, name) DO UPDATE
           SET lease_id = CASE WHEN c.lease_id = $5::uuid THEN c.lease_id ELSE EXCLUDED.lease_id END,
               lease_until = EXCLUDED.lease_until, updated_at = now()
         WHERE ${LEASE_FREE} OR c.lease_id = $5::uuid
         RETURNING ${COLUMNS}`,
};

const ACKNOWLEDGE: PreparedStatement = {
  name: 'feed_consumer_acknowledge_v1',
  // Only the lease holder; the cursor only moves forward (an older one keeps
  // it where it is). The SET expressions all see the row as it was.
  text: `UPDATE feed_consumers c SET
           cursor_txid = CASE WHEN (c.cursor_txid, c.cursor_position) < ($4::xid8, $5::bigint) THEN $4::xid8 ELSE c.cursor_txid END,
           cursor_position = CASE WHEN (c.cursor_txid, c.cursor_position) < ($4::xid8, $5::bigint) THEN $5::bigint ELSE c.cursor_position END,
           lease_id = CASE WHEN $6::boolean THEN NULL ELSE c.lease_id END,
           lease_until = CASE WHEN $6::boolean THEN NULL ELSE now() + $7 * interval '1 second' END,
           acknowledged_at = now(), updated_at = now()
         WHERE c.participant_id = $1 AND c.name = $2 AND c.lease_id = $3::uuid
         RETURNING ${COLUMNS}`,
};

const PLACE: PreparedStatement = {
  name: 'feed_consumer_place_v1',
  // Creates the consumer at the position, or moves an existing one there, unless a reader holds its lease.
  text: `INSERT INTO feed_consumers AS c (participant_id, name, cursor_txid, cursor_position, created_at, updated_at)
         VALUES ($1, $2, $3::xid8, $4::bigint, now(), now())
         ON CONFLICT (participant_id, name) DO UPDATE
           SET cursor_txid = EXCLUDED.cursor_txid, cursor_position = EXCLUDED.cursor_position,
               lease_id = NULL, lease_until = NULL, updated_at = now()
         WHERE ${LEASE_FREE}
         RETURNING ${COLUMNS}`,
};

const RELEASE: PreparedStatement = {
  name: 'feed_consumer_release_v1',
  text: `UPDATE feed_consumers c SET lease_id = NULL, lease_until = NULL, updated_at = now()
          WHERE c.participant_id = $1 AND c.name = $2 AND c.lease_id = $3::uuid`,
};

const REMOVE: PreparedStatement = {
  name: 'feed_consumer_remove_v1',
  text: `DELETE FROM feed_consumers c WHERE c.participant_id = $1 AND c.name = $2 AND ${LEASE_FREE} RETURNING 1`,
};

const LEASE: PreparedStatement = {
  name: 'feed_consumer_lease_v1',
  text: `SELECT c.lease_until, CASE WHEN c.lease_until > now() THEN greatest(1, ceil(extract(epoch FROM c.lease_until - now())))::int END AS retry_after
           FROM feed_consumers c WHERE c.participant_id = $1 AND c.name = $2`,
};

const ONE: PreparedStatement = {
  name: 'feed_consumer_get_v1',
  text: `SELECT ${COLUMNS} FROM feed_consumers c WHERE c.participant_id = $1 AND c.name = $2`,
};

const ALL: PreparedStatement = {
  name: 'feed_consumer_list_v1',
  text: `SELECT ${COLUMNS} FROM feed_consumers c WHERE c.participant_id = $1 ORDER BY c.name`,
};

/**
 * The one way to `feed_consumers`: each participant's named consumers,
 * their acknowledged positions and leases. Every change that depends on the
 * lease is one statement that checks it, so concurrent readers cannot both win.
 */
export class FeedConsumerStore {
  constructor(private readonly dataSource: DataSource) {}

  /** Takes or renews the lease for `seconds`; undefined when another reader holds it. */
  async takeLease(participantId: string, name: string, newLeaseId: string, heldLeaseId: string | null, seconds: number): Promise<ConsumerRow | undefined> {
    const [row] = await this.run<ConsumerRow>(TAKE_LEASE, [participantId, name, newLeaseId, seconds, heldLeaseId]);
    return row;
  }

  /** Moves the cursor forward to `to` if `leaseId` holds the lease, and renews the lease or ends it; undefined when it does not hold it. */
  async acknowledge(
    participantId: string,
    name: string,
    leaseId: string,
    to: FeedPosition,
    lease: { release: boolean; seconds: number },
  ): Promise<ConsumerRow | undefined> {
    const [row] = await this.run<ConsumerRow>(ACKNOWLEDGE, [participantId, name, leaseId, to.x, to.p, lease.release, lease.seconds]);
    return row;
  }

  /** Ends the lease if `leaseId` still holds it. */
  async release(participantId: string, name: string, leaseId: string): Promise<void> {
    await this.run(RELEASE, [participantId, name, leaseId]);
  }

  /** Creates the consumer at `at` or moves it there; undefined while a reader holds its lease. */
  async place(participantId: string, name: string, at: FeedPosition): Promise<ConsumerRow | undefined> {
    const [row] = await this.run<ConsumerRow>(PLACE, [participantId, name, at.x, at.p]);
    return row;
  }

  /** Deletes the consumer unless a reader holds its lease; whether it did. */
  async remove(participantId: string, name: string): Promise<boolean> {
    return (await this.run(REMOVE, [participantId, name])).length > 0;
  }

  /** The lease of a consumer whose change was refused; undefined when there is no such consumer. */
  async lease(participantId: string, name: string): Promise<LeaseRow | undefined> {
    const [row] = await this.run<LeaseRow>(LEASE, [participantId, name]);
    return row;
  }

  async get(participantId: string, name: string): Promise<ConsumerRow | undefined> {
    const [row] = await this.run<ConsumerRow>(ONE, [participantId, name]);
    return row;
  }

  list(participantId: string): Promise<ConsumerRow[]> {
    return this.run<ConsumerRow>(ALL, [participantId]);
  }

  private run<T>(statement: PreparedStatement, values: unknown[]): Promise<T[]> {
    return runPrepared<T>(poolOf(this.dataSource), statement, values);
  }
}
