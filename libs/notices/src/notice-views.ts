import type { components } from '@drehscheibe/contracts';
import type { OutboxMessage } from '@drehscheibe/outbox';
import type { ServiceNoticeEntity } from '@drehscheibe/persistence';

export type ServiceNotice = components['schemas']['ServiceNotice'];
export type NoticeDelivery = components['schemas']['NoticeDelivery'];

export function toNoticeView(n: ServiceNoticeEntity): ServiceNotice {
  return {
    id: n.id,
    serviceId: n.serviceId,
    kind: n.kind,
    startsAt: n.startsAt.toISOString(),
    ...(n.endsAt ? { endsAt: n.endsAt.toISOString() } : {}),
    text: n.text,
    author: n.authorId,
    createdAt: n.createdAt.toISOString(),
  };
}

/** The body of a notice delivery: shaped like a ticket event so receivers can dispatch on `type`. */
export function toNoticeDelivery(n: ServiceNoticeEntity): NoticeDelivery {
  return { id: n.id, type: 'service.notice_published', occurredAt: n.createdAt.toISOString(), serviceId: n.serviceId, notice: toNoticeView(n) };
}

/** The canonical outbox message of a notice (its renderer: the kind is defined here). */
export function noticeMessage(n: ServiceNoticeEntity): OutboxMessage {
  return { type: 'service.notice_published', body: toNoticeDelivery(n) };
}
