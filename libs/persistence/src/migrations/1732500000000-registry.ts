import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Registry details (federal level, contact) and routing rules. */
export class Registry1732500000000 implements MigrationInterface {
  name = 'Registry1732500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE participants ADD COLUMN level text NOT NULL DEFAULT 'state' CHECK (level IN ('federal','state','municipal'))`);
    await q.query(`ALTER TABLE participants ADD COLUMN contact jsonb`);
    await q.query(`
      CREATE TABLE routing_rules (
        id uuid PRIMARY KEY,
        position integer NOT NULL,
        service_id text REFERENCES services(id),
        origin_land text CHECK (origin_land ~ '^DE-[A-Z]{2}$'),
        category text,
        target_id text NOT NULL REFERENCES participants(id),
        enabled boolean NOT NULL DEFAULT true,
        description text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT routing_rules_position_key UNIQUE (position),
        CONSTRAINT routing_rules_condition CHECK (origin_land IS NOT NULL OR category IS NOT NULL)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS routing_rules`);
    await q.query(`ALTER TABLE participants DROP COLUMN IF EXISTS contact`);
    await q.query(`ALTER TABLE participants DROP COLUMN IF EXISTS level`);
  }
}
