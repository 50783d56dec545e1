import type { components } from '@drehscheibe/contracts';
import { DomainError, parseInstant } from '@drehscheibe/domain';
import { DeliveryEntity, ParticipantEntity, ServiceEntity, ServiceNoticeEntity, ServiceSubscriptionEntity } from '@drehscheibe/persistence';
import { DELIVERY_DISPATCHER, type DeliveryDispatcher } from '@drehscheibe/tickets';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource, In, IsNull, MoreThan, Not } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { toNoticeView, type ServiceNotice } from './notice-views.js';

/**
 * Outage and maintenance notices (DESIGN.md 5.7): the operator publishes,
 * subscribers with an endpoint get a delivery in the same transaction, and
 * everyone can list what is current.
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
    const { notice, refs } = await this.dataSource.transaction(async (em) => {
      const service = await this.service(serviceId);
      if (service.operatorId !== authorId)
        throw new DomainError('forbidden', `only the operator of ${serviceId} (${service.operatorId}) may publish notices for it`);
      const now = new Date();
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
      const subscribers = await em.find(ServiceSubscriptionEntity, { where: { serviceId } });
      const receivers = subscribers.length
        ? await em.find(ParticipantEntity, {
            select: { id: true },
            where: { id: In(subscribers.map((s) => s.participantId).filter((id) => id !== authorId)), deliveryUrl: Not(IsNull()) },
          })
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
