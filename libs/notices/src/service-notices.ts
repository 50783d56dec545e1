import type { components } from '@drehscheibe/contracts';
import { DomainError, parseInstant } from '@drehscheibe/domain';
import {
  DeliveryEntity,
  NoticeRecipientEntity,
  ParticipantEntity,
  ServiceEntity,
  ServiceNoticeEntity,
  ServiceSubscriptionEntity,
} from '@drehscheibe/persistence';
import { DELIVERY_DISPATCHER, type DeliveryDispatcher } from '@drehscheibe/tickets';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource, In, IsNull, MoreThan, Not } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { toNoticeView, type ServiceNotice } from './notice-views.js';

/**
 * Outage and maintenance notices (DESIGN.md 5.7): the operator publishes;
 * in the same transaction every subscriber becomes a recipient (it reads the
 * notice in its feed) and those with an endpoint get a delivery; everyone
 * can list what is current.
 */
@Injectable()
export class ServiceNotices {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(DELIVERY_DISPATCHER) private readonly dispatcher: DeliveryDispatcher,
  ) {}

  async publish(authorId: string, serviceId: string, input: components['schemas']['ServiceNoticeInput']): Promise<ServiceNotice> {
    const startsAt = parseInstant(input.startsAt);
    const endsAt = input.endsAt ? parseInstant(input.endsAt) : null;
    if (endsAt && endsAt <= startsAt) {
      throw new DomainError('invalid-period', 'endsAt must be after startsAt', { errors: [{ pointer: '/body/endsAt', message: 'must be after startsAt' }] });
    }
    const now = new Date();
    // A window that is over is history, not news: it would be pushed to every subscriber as new.
    if (endsAt && endsAt <= now) {
      throw new DomainError('invalid-period', 'the notice has already ended; publish current and upcoming notices only', {
        errors: [{ pointer: '/body/endsAt', message: 'must be in the future' }],
      });
    }
    const { notice, refs } = await this.dataSource.transaction(async (em) => {
      const service = await this.service(serviceId);
      if (service.operatorId !== authorId)
        throw new DomainError('forbidden', `only the operator of ${serviceId} (${service.operatorId}) may publish notices for it`);
      const notice = em.create(ServiceNoticeEntity, {
        id: uuidv7(),
        serviceId,
        kind: input.kind,
        startsAt,
        endsAt,
        text: input.text,
        authorId,
        createdAt: now,
      });
      await em.insert(ServiceNoticeEntity, notice);
      // The audience is fixed now, for webhooks and the feed alike: every subscriber but the author.
      const subscribers = await em.find(ServiceSubscriptionEntity, { where: { serviceId } });
      const recipients = subscribers.map((s) => s.participantId).filter((id) => id !== authorId);
      if (recipients.length)
        await em.insert(
          NoticeRecipientEntity,
          recipients.map((participantId) => ({ noticeId: notice.id, participantId })),
        );
      const receivers = recipients.length
        ? await em.find(ParticipantEntity, { select: { id: true }, where: { id: In(recipients), deliveryUrl: Not(IsNull()) } })
        : [];
      const deliveries = receivers.map((r) => ({
        id: uuidv7(),
        eventId: null,
        noticeId: notice.id,
        ticketId: null,
        ticketVersion: null,
        receiverId: r.id,
        status: 'pending' as const,
        attempts: 0,
        nextAttemptAt: now,
        createdAt: now,
      }));
      if (deliveries.length) await em.insert(DeliveryEntity, deliveries);
      return { notice, refs: deliveries.map((d) => ({ id: d.id, receiverId: d.receiverId })) };
    });
    await this.dispatcher.dispatch(refs);
    return toNoticeView(notice);
  }

  /** Notices that have not ended: current and upcoming, soonest first. */
  async current(serviceId: string): Promise<ServiceNotice[]> {
    await this.service(serviceId);
    const now = new Date();
    const notices = await this.dataSource.manager.find(ServiceNoticeEntity, {
      where: [
        { serviceId, endsAt: IsNull() },
        { serviceId, endsAt: MoreThan(now) },
      ],
      order: { startsAt: 'ASC', id: 'ASC' },
    });
    return notices.map(toNoticeView);
  }

  async subscribe(participantId: string, serviceId: string): Promise<void> {
    await this.service(serviceId);
    await this.dataSource.manager.upsert(ServiceSubscriptionEntity, { serviceId, participantId }, ['serviceId', 'participantId']);
  }

  async unsubscribe(participantId: string, serviceId: string): Promise<void> {
    await this.service(serviceId);
    await this.dataSource.manager.delete(ServiceSubscriptionEntity, { serviceId, participantId });
  }

  private async service(id: string): Promise<ServiceEntity> {
    const service = await this.dataSource.manager.findOneBy(ServiceEntity, { id });
    if (!service) throw new DomainError('not-found', `service ${id} is not registered`);
    return service;
  }
}
