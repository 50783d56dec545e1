import { AuditVerifier } from '@drehscheibe/audit';
import { toNoticeDelivery } from '@drehscheibe/notices';
import { MIGRATIONS, ServiceNoticeEntity, TicketEventEntity } from '@drehscheibe/persistence';
import { toEventDelivery } from '@drehscheibe/tickets';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { randomBytes } from 'node:crypto';
import { testServers } from '../support/environment.js';

/**
 * Migration 1733300000000 gives deliveries written before it a message with
 * the body the worker used to build from their ticket event or notice: the
 * same JSON the code renders now; 1734100000000 gives existing events their
 * hash-chain links.
 */
const server = testServers().databaseUrl;
const name = `test_${randomBytes(6).toString('hex')}`;
const url = (() => {
  const u = new URL(server);
  u.pathname = `/${name}`;
  return u.toString();
})();
const migrate = async (count: number) => {
  const ds = new DataSource({ type: 'postgres', url, migrations: MIGRATIONS.slice(0, count), migrationsTransactionMode: 'each' });
  await ds.initialize();
  try {
    await ds.runMigrations({ transaction: 'each' });
  } finally {
    await ds.destroy();
  }
};
let db: pg.Client;

beforeAll(async () => {
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  db = new pg.Client({ connectionString: url });
  await db.connect();
}, 120_000);
afterAll(async () => {
  await db?.end();
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.end();
});

it('gives deliveries written before it their message, as the code renders it', async () => {
  const payloadMigration = MIGRATIONS.findIndex((m) => m.name === 'OutboxMessages1733300000000');
  expect(payloadMigration).toBeGreaterThan(0);
  await migrate(payloadMigration);

  await db.query(`INSERT INTO participants (id, name, kind) VALUES ('mila', 'MiLa', 'land_ticket_system'), ('bela', 'BeLa', 'land_ticket_system')`);
  await db.query(`INSERT INTO services (id, name, operator_id) VALUES ('svc', 'Service', 'bela')`);
  await db.query(`INSERT INTO tickets (id, version, type, subject, service_id, impact, urgency, priority, status, origin_id, origin_external_id,
      assignee_id, sender_id, support_level, channel, created_at, updated_at)
    VALUES ('0190c0de-0000-7000-8000-000000000001', 1, 'incident', 'Login', 'svc', 2, 2, 2, 'forwarded', 'mila', 'M-1', 'bela', 'mila', 1, 'web',
      '2026-12-01T09:00:00.123Z', '2026-12-01T09:00:00.123Z')`);
  const snapshot = { id: '0190c0de-0000-7000-8000-000000000001', status: 'forwarded', subject: 'Login' };
  await db.query(
    `INSERT INTO ticket_events (id, ticket_id, ticket_version, type, actor_id, occurred_at, data, snapshot)
     VALUES ('0190c0de-0000-7000-8000-0000000000e1', '0190c0de-0000-7000-8000-000000000001', 1, 'ticket.forwarded', 'mila', '2026-12-01T09:00:00.123Z', $1, $2)`,
    [JSON.stringify({ status: 'forwarded', previousStatus: 'new', assignee: { participantId: 'bela' } }), JSON.stringify(snapshot)],
  );
  await db.query(`INSERT INTO service_notices (id, service_id, kind, starts_at, ends_at, text, author_id, created_at)
    VALUES ('0190c0de-0000-7000-8000-0000000000a1', 'svc', 'maintenance', '2026-12-02T22:00:00Z', NULL, 'Wartung', 'bela', '2026-12-01T10:00:00.5Z')`);
  await db.query(`INSERT INTO deliveries (id, event_id, notice_id, ticket_id, ticket_version, receiver_id, status, attempts, next_attempt_at, created_at) VALUES
    ('0190c0de-0000-7000-8000-0000000000d1', '0190c0de-0000-7000-8000-0000000000e1', NULL, '0190c0de-0000-7000-8000-000000000001', 1, 'bela', 'dead', 20, now(), now()),
    ('0190c0de-0000-7000-8000-0000000000d2', NULL, '0190c0de-0000-7000-8000-0000000000a1', NULL, NULL, 'mila', 'pending', 0, now(), now())`);

  await migrate(MIGRATIONS.length);

  const { rows: events } = await db.query<Record<string, unknown>>(`SELECT * FROM ticket_events`);
  const event = events[0];
  const { rows: notices } = await db.query<Record<string, unknown>>(`SELECT * FROM service_notices`);
  const notice = notices[0];
  const payload = async (id: string) => {
    const { rows } = await db.query<{ payload: string }>(`SELECT m.payload FROM deliveries d JOIN outbox_messages m ON m.id = d.message_id WHERE d.id = $1`, [
      id,
    ]);
    return JSON.parse(rows[0].payload) as unknown;
  };
  expect(await payload('0190c0de-0000-7000-8000-0000000000d1')).toEqual(
    toEventDelivery({
      id: event.id,
      ticketId: event.ticket_id,
      ticketVersion: event.ticket_version,
      type: event.type,
      actorId: event.actor_id,
      occurredAt: event.occurred_at,
      data: event.data,
      snapshot: event.snapshot,
    } as TicketEventEntity),
  );
  expect(await payload('0190c0de-0000-7000-8000-0000000000d2')).toEqual(
    toNoticeDelivery({
      id: notice.id,
      serviceId: notice.service_id,
      kind: notice.kind,
      startsAt: notice.starts_at,
      endsAt: notice.ends_at,
      text: notice.text,
      authorId: notice.author_id,
      createdAt: notice.created_at,
    } as ServiceNoticeEntity),
  );
  const { rows: nulls } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM deliveries WHERE message_id IS NULL`);
  expect(nulls[0].n).toBe(0);
});

it('gives events written before the audit chain (1734100000000) their links, which verify', async () => {
  const ds = await new DataSource({ type: 'postgres', url }).initialize();
  try {
    const report = await new AuditVerifier(ds, []).verify();
    expect(report).toMatchObject({ tickets: 1, events: 1, checkpoints: 0, broken: null });
    const { rows } = await db.query<{ hash: string; prev_hash: string | null; chain_head: string }>(
      'SELECT e.hash, e.prev_hash, t.chain_head FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id',
    );
    expect(rows).toEqual([{ hash: expect.stringMatching(/^[0-9a-f]{64}$/) as string, prev_hash: null, chain_head: rows[0].hash }]);
  } finally {
    await ds.destroy();
  }
});
