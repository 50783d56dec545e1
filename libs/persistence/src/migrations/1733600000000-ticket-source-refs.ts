import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Issue 14, item 7: a write's source reference is applied once per participant and ticket. */
export class TicketSourceRefs1733600000000 implements MigrationInterface {
  name = 'TicketSourceRefs1733600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE ticket_source_refs (
        ticket_id uuid NOT NULL CONSTRAINT ticket_source_refs_ticket_id_fkey REFERENCES tickets(id),
        participant_id text NOT NULL CONSTRAINT ticket_source_refs_participant_id_fkey REFERENCES participants(id),
        source_ref text NOT NULL,
        ticket_version integer NOT NULL CONSTRAINT ticket_source_refs_version CHECK (ticket_version >= 1),
        applied_at timestamptz NOT NULL,
        CONSTRAINT ticket_source_refs_pkey PRIMARY KEY (ticket_id, participant_id, source_ref))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE ticket_source_refs`);
  }
}
