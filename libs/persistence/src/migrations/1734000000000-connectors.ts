import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 16: connectors. Per participant, the ticket system the hub polls and
 * writes to itself (its URL, how it authenticates, the secret encrypted),
 * and the connector's running state: who holds the lease, how far it has
 * read the system and the hub's feed, the write it started and has not yet
 * confirmed, and what operators see (last poll, last error, counters).
 */
export class Connectors1734000000000 implements MigrationInterface {
  name = 'Connectors1734000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE connectors (
        participant_id text NOT NULL CONSTRAINT connectors_participant_id_fkey REFERENCES participants(id) ON DELETE CASCADE,
        kind text NOT NULL CONSTRAINT connectors_kind_check CHECK (kind IN ('rt5', 'rest')),
        base_url text NOT NULL,
        auth jsonb NOT NULL,
        settings jsonb NOT NULL DEFAULT '{}'::jsonb,
        enabled boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        updated_by text NOT NULL,
        CONSTRAINT connectors_pkey PRIMARY KEY (participant_id)
      )`);
    await q.query(`
      CREATE TABLE connector_states (
        participant_id text NOT NULL CONSTRAINT connector_states_participant_id_fkey REFERENCES connectors(participant_id) ON DELETE CASCADE,
        lease_owner text,
        lease_until timestamptz,
        watermark jsonb,
        feed_cursor text,
        pending_write jsonb,
        last_poll_at timestamptz,
        last_success_at timestamptz,
        last_error jsonb,
        consecutive_failures integer NOT NULL DEFAULT 0,
        lag_ms bigint,
        changes_applied bigint NOT NULL DEFAULT 0,
        echoes_suppressed bigint NOT NULL DEFAULT 0,
        writes bigint NOT NULL DEFAULT 0,
        CONSTRAINT connector_states_pkey PRIMARY KEY (participant_id)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS connector_states`);
    await q.query(`DROP TABLE IF EXISTS connectors`);
  }
}
