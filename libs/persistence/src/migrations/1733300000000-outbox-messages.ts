import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 13, item 5: the outbox keeps the exact bytes each delivery sends,
 * rendered when the change commits, so the worker sends bytes and knows no
 * event kind. Receivers that get the same rendering share one message.
 * Deliveries written before this migration get the body the worker would
 * have built from their ticket event or notice.
 */
export class OutboxMessages1733300000000 implements MigrationInterface {
  name = 'OutboxMessages1733300000000';

  async up(q: QueryRunner): Promise<void> {
    const instant = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
    await q.query(`CREATE TABLE outbox_messages (
        id uuid NOT NULL CONSTRAINT outbox_messages_pkey PRIMARY KEY,
        payload text NOT NULL,
        created_at timestamptz NOT NULL)`);
    await q.query(`ALTER TABLE deliveries ADD COLUMN message_id uuid`);
    // Until now a delivery's body was built from its event or notice when sent: one message per delivery.
    await q.query(`INSERT INTO outbox_messages (id, payload, created_at)
      SELECT d.id, json_build_object(
        'id', e.id, 'type', e.type, 'ticketId', e.ticket_id, 'ticketVersion', e.ticket_version,
        'occurredAt', ${instant('e.occurred_at')}, 'actor', json_build_object('participantId', e.actor_id),
        'data', e.data, 'ticket', e.snapshot)::text, d.created_at
      FROM deliveries d JOIN ticket_events e ON e.id = d.event_id`);
    await q.query(`INSERT INTO outbox_messages (id, payload, created_at)
      SELECT d.id, json_build_object(
        'id', n.id, 'type', 'service.notice_published', 'occurredAt', ${instant('n.created_at')}, 'serviceId', n.service_id,
        'notice', json_strip_nulls(json_build_object('id', n.id, 'serviceId', n.service_id, 'kind', n.kind,
          'startsAt', ${instant('n.starts_at')}, 'endsAt', ${instant('n.ends_at')}, 'text', n.text, 'author', n.author_id,
          'createdAt', ${instant('n.created_at')})))::text, d.created_at
      FROM deliveries d JOIN service_notices n ON n.id = d.notice_id`);
    await q.query(`UPDATE deliveries SET message_id = id`);
    await q.query(`ALTER TABLE deliveries ALTER COLUMN message_id SET NOT NULL`);
    await q.query(`ALTER TABLE deliveries ADD CONSTRAINT deliveries_message_id_fkey FOREIGN KEY (message_id) REFERENCES outbox_messages(id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE deliveries DROP COLUMN message_id`);
    await q.query(`DROP TABLE outbox_messages`);
  }
}
