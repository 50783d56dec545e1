import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Attachment metadata; the content lives here or in a configured directory. */
export class Attachments1732600000000 implements MigrationInterface {
  name = 'Attachments1732600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE ticket_attachments (
        id uuid PRIMARY KEY,
        ticket_id uuid NOT NULL REFERENCES tickets(id),
        uploader_id text NOT NULL REFERENCES participants(id),
        filename text NOT NULL,
        media_type text NOT NULL,
        size bigint NOT NULL CHECK (size >= 0),
        sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
        storage text NOT NULL CHECK (storage IN ('database','directory')),
        content bytea,
        created_at timestamptz NOT NULL,
        CONSTRAINT ticket_attachments_content CHECK ((storage = 'database') = (content IS NOT NULL))
      )`);
    await q.query(`CREATE INDEX ticket_attachments_ticket_idx ON ticket_attachments (ticket_id, created_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS ticket_attachments`);
  }
}
