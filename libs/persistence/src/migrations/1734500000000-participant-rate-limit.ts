import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 17, limits: a participant's own API rate limit (requests per window);
 * null means the hub's configured default.
 */
export class ParticipantRateLimit1734500000000 implements MigrationInterface {
  name = 'ParticipantRateLimit1734500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE participants ADD COLUMN rate_limit integer CONSTRAINT participants_rate_limit_check CHECK (rate_limit BETWEEN 1 AND 1000000)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE participants DROP COLUMN rate_limit`);
  }
}
