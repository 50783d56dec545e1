import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 13, item 5: a delivery carries the exact body it sends, rendered when
 * the change commits (the transactional outbox), so the worker sends bytes
 * and knows no event kind. Rows written before this migration get the body
 * the worker would have built from their ticket event or notice.
 */
export class DeliveryPayload1733300000000 implements MigrationInterface {
  name = 'DeliveryPayload1733300000000';

  async up(q: QueryRunner): Promise<void> {
    const instant = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
    await q.query(`ALTER TABLE deliveries ADD COLUMN payload text`);
    await q.query(`UPDATE deliveries d SET payload = json_build_object(
        'id', e.id, 'type', e.type, 'ticketId', e.ticket_id, 'ticketVersion', e.ticket_version,
        'occurredAt', ${instant('e.occurred_at')}, 'actor', json_build_object('participantId', e.actor_id),
        'data', e.data, 'ticket', e.snapshot)::text
      FROM ticket_events e WHERE e.id = d.event_id`);
    await q.query(`UPDATE deliveries d SET payload = json_build_object(
        'id', n.id, 'type', 'service.notice_published', 'occurredAt', ${instant('n.created_at')}, 'serviceId', n.service_id,
        'notice', json_strip_nulls(json_build_object('id', n.id, 'serviceId', n.service_id, 'kind', n.kind,
          'startsAt', ${instant('n.starts_at')}, 'endsAt', ${instant('n.ends_at')}, 'text', n.text, 'author', n.author_id,
          'createdAt', ${instant('n.created_at')})))::text
      FROM service_notices n WHERE n.id = d.notice_id`);
    await q.query(`ALTER TABLE deliveries ALTER COLUMN payload SET NOT NULL`);
    // The worker updates a delivery row on every attempt; the body never changes. Kept out of line
    // (TOAST, uncompressed), an update copies a pointer instead of the body, and the rows the
    // worker scans stay narrow.
    await q.query(`ALTER TABLE deliveries ALTER COLUMN payload SET STORAGE EXTERNAL`);
    await q.query(`ALTER TABLE deliveries SET (toast_tuple_target = 128)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE deliveries DROP COLUMN payload`);
  }
}
