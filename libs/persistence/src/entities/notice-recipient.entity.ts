import { Entity, PrimaryColumn } from 'typeorm';

/**
 * A participant a service notice went to: every subscriber at the time it was
 * published except its author, with or without an endpoint. Webhooks (for
 * those with an endpoint) and the feed carry exactly these.
 *
 * The table also has the feed position, `txid` (xid8, the writing transaction)
 * and `position` (from the ticket events' sequence), filled by defaults and
 * read only by the feed's SQL — like `ticket_events.txid`/`position`.
 */
@Entity({ name: 'notice_recipients' })
export class NoticeRecipientEntity {
  @PrimaryColumn({ name: 'notice_id', type: 'uuid' })
  noticeId: string;

  @PrimaryColumn({ name: 'participant_id', type: 'text' })
  participantId: string;
}
