import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 17, signed messages in: the proof of a signed request with each
 * event it made (null: unsigned, as every event before), and whether a
 * participant must sign its writes.
 */
export class RequestSignatures1734600000000 implements MigrationInterface {
  name = 'RequestSignatures1734600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE ticket_events ADD COLUMN request_signature jsonb`);
    await q.query(
      `ALTER TABLE participants ADD COLUMN request_signing text NOT NULL DEFAULT 'optional'
         CONSTRAINT participants_request_signing_check CHECK (request_signing IN ('optional','required'))`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE participants DROP COLUMN request_signing`);
    await q.query(`ALTER TABLE ticket_events DROP COLUMN request_signature`);
  }
}
