import type { components } from '@drehscheibe/contracts';
import { DomainError, parseInstant } from '@drehscheibe/domain';
import { DELIVERY_DISPATCHER, OutboxWriter, type DeliveryDispatcher } from '@drehscheibe/outbox';
import type { ServiceEntity, ServiceNoticeEntity } from '@drehscheibe/persistence';
import { RegistryDirectory } from '@drehscheibe/registry';
import { Inject, Injectable } from '@nestjs/common';
import { v7 as uuidv7 } from 'uuid';
import { NoticeStore } from './notice-store.js';
import { noticeMessage, toNoticeView, type ServiceNotice } from './notice-views.js';

/**
 * Outage and maintenance notices (DESIGN.md 5.7): the operator publishes;
 * in the same transaction every subscriber becomes a recipient (it reads the
 * notice in its feed) and those with an endpoint get a delivery; everyone
 * can list what is current.
 */
@Injectable()
export class ServiceNotices {
  constructor(
    private readonly store: NoticeStore,
    private readonly directory: RegistryDirectory,
    private readonly outbox: OutboxWriter,
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
    const service = await this.service(serviceId);
    if (service.operatorId !== authorId)
      throw new DomainError('forbidden', `only the operator of ${serviceId} (${service.operatorId}) may publish notices for it`);
    const notice: ServiceNoticeEntity = { id: uuidv7(), serviceId, kind: input.kind, startsAt, endsAt, text: input.text, authorId, createdAt: now };
    const refs = await this.store.transaction(async (tx) => {
      await tx.insert(notice);
      // The audience is fixed now, for webhooks and the feed alike: every subscriber but the author.
      const recipients = (await tx.subscribers(serviceId)).filter((id) => id !== authorId);
      await tx.addRecipients(notice.id, recipients);
      const batch = await this.outbox.address(await this.directory.withEndpoint(recipients), noticeMessage(notice));
      await this.outbox.append(tx.em, { kind: 'service-notice', noticeId: notice.id }, batch, now);
      return batch.deliveries.map(({ id, receiverId }) => ({ id, receiverId }));
    });
    await this.dispatcher.dispatch(refs);
    return toNoticeView(notice);
  }

  /** Notices that have not ended: current and upcoming, soonest first. */
  async current(serviceId: string): Promise<ServiceNotice[]> {
    await this.service(serviceId);
    return (await this.store.current(serviceId, new Date())).map(toNoticeView);
  }

  async subscribe(participantId: string, serviceId: string): Promise<void> {
    await this.service(serviceId);
    await this.store.subscribe(participantId, serviceId);
  }

  async unsubscribe(participantId: string, serviceId: string): Promise<void> {
    await this.service(serviceId);
    await this.store.unsubscribe(participantId, serviceId);
  }

  private async service(id: string): Promise<ServiceEntity> {
    const service = await this.directory.service(id);
    if (!service) throw new DomainError('not-found', `service ${id} is not registered`);
    return service;
  }
}
