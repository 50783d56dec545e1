import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 15: a message rendered by a participant's mapping profile keeps the
 * profile version that rendered it and the native request (name, method,
 * path, headers, or the mapping error), so an operator sees what was sent
 * and why. Canonical messages leave both empty.
 */
export class NativeRequests1733900000000 implements MigrationInterface {
  name = 'NativeRequests1733900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE outbox_messages ADD COLUMN profile_id uuid, ADD COLUMN request jsonb`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE outbox_messages DROP COLUMN request, DROP COLUMN profile_id`);
  }
}
