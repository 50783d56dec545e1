import { createDataSource, DeliveryEntity, runMigrations, schemaDrift } from '@drehscheibe/persistence';
import type { DataSource } from 'typeorm';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

// Entities and migrations describe the same schema twice; here they must agree.
// A fresh database gets every migration (createTestDatabase), then schemaDrift
// compares it with the entities: what `synchronize` would change, tables no
// entity declares, and each table's catalog against the entity's own.

let db: TestDatabase;
let dataSource: DataSource;
beforeAll(async () => {
  db = await createTestDatabase();
  dataSource = await createDataSource({ url: db.url, poolSize: 2 }).initialize();
});
afterAll(async () => {
  await dataSource?.destroy();
  await db?.drop();
});

it('a fresh database has every migration', async () => {
  expect(await runMigrations(db.url)).toEqual([]);
});

it('the entities declare exactly the schema the migrations create', async () => {
  expect(await schemaDrift(dataSource)).toEqual([]);
});

describe('drift is found', () => {
  // Each case changes the database as a disagreeing migration would, and undoes it.
  async function driftAfter(change: string, undo: string): Promise<string[]> {
    await db.query(change);
    try {
      return await schemaDrift(dataSource);
    } finally {
      await db.query(undo);
    }
  }

  it('a column whose nullability differs', async () => {
    const drift = await driftAfter(
      `ALTER TABLE deliveries ALTER COLUMN last_error SET NOT NULL`,
      `ALTER TABLE deliveries ALTER COLUMN last_error DROP NOT NULL`,
    );
    expect(drift).toContain('column deliveries.last_error: the database has text NOT NULL, the entity declares text');
    expect(drift.some((f) => f.startsWith('synchronize would run: ALTER TABLE "deliveries" ALTER COLUMN "last_error" DROP NOT NULL'))).toBe(true);
  });

  it('a column no entity declares, and a table', async () => {
    const drift = await driftAfter(
      `ALTER TABLE tickets ADD COLUMN note text; CREATE TABLE notes (id int)`,
      `ALTER TABLE tickets DROP COLUMN note; DROP TABLE notes`,
    );
    expect(drift).toEqual(
      expect.arrayContaining([
        'synchronize would run: ALTER TABLE "tickets" DROP COLUMN "note"',
        'table notes: in the database, but no entity declares it',
        'column tickets.note: in the database (text), but the entity does not declare it',
      ]),
    );
  });

  // What `synchronize` compares by name only.
  it('a check with another expression under the same name', async () => {
    const drift = await driftAfter(
      `ALTER TABLE deliveries DROP CONSTRAINT deliveries_status_check, ADD CONSTRAINT deliveries_status_check CHECK (status IN ('pending','delivered'))`,
      `ALTER TABLE deliveries DROP CONSTRAINT deliveries_status_check, ADD CONSTRAINT deliveries_status_check CHECK (status IN ('pending','delivered','dead'))`,
    );
    expect(drift).toEqual([
      expect.stringMatching(
        /^constraint deliveries\.deliveries_status_check: the database has CHECK .*'delivered'::text\]\)\)\), the entity declares CHECK .*'dead'::text\]\)\)\)$/,
      ),
    ]);
  });

  it('an index with another column order or predicate under the same name', async () => {
    const drift = await driftAfter(
      `DROP INDEX deliveries_pending_order_idx; CREATE INDEX deliveries_pending_order_idx ON deliveries (receiver_id, ticket_id, ticket_version) WHERE status <> 'dead'`,
      `DROP INDEX deliveries_pending_order_idx; CREATE INDEX deliveries_pending_order_idx ON deliveries (ticket_id, receiver_id, ticket_version) WHERE status = 'pending'`,
    );
    expect(drift).toEqual([
      'index deliveries.deliveries_pending_order_idx: the database has CREATE INDEX deliveries_pending_order_idx USING btree (receiver_id, ticket_id, ticket_version) WHERE (status <> ' +
        "'dead'::text), the entity declares CREATE INDEX deliveries_pending_order_idx USING btree (ticket_id, receiver_id, ticket_version) WHERE (status = 'pending'::text)",
    ]);
  });

  it('a foreign key with another action', async () => {
    const drift = await driftAfter(
      `ALTER TABLE deliveries DROP CONSTRAINT deliveries_receiver_id_fkey, ADD CONSTRAINT deliveries_receiver_id_fkey FOREIGN KEY (receiver_id) REFERENCES participants(id) ON DELETE CASCADE`,
      `ALTER TABLE deliveries DROP CONSTRAINT deliveries_receiver_id_fkey, ADD CONSTRAINT deliveries_receiver_id_fkey FOREIGN KEY (receiver_id) REFERENCES participants(id)`,
    );
    expect(drift).toContain(
      'constraint deliveries.deliveries_receiver_id_fkey: the database has FOREIGN KEY (receiver_id) REFERENCES participants(id) ON DELETE CASCADE, the entity declares FOREIGN KEY (receiver_id) REFERENCES participants(id)',
    );
  });

  it('an entity column whose type differs', async () => {
    // A second data source whose metadata (not the shared entity classes) is changed, as an edited entity would be.
    const other = await createDataSource({ url: db.url, poolSize: 1 }).initialize();
    try {
      other.getMetadata(DeliveryEntity).findColumnWithPropertyName('attempts')!.type = 'bigint';
      const drift = await schemaDrift(other);
      expect(drift).toContain('column deliveries.attempts: the database has integer NOT NULL DEFAULT 0, the entity declares bigint NOT NULL DEFAULT 0');
      expect(drift.some((f) => f.startsWith('synchronize would run: ALTER TABLE "deliveries"'))).toBe(true);
    } finally {
      await other.destroy();
    }
  });
});
