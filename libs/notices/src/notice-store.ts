import { NoticeRecipientEntity, ServiceNoticeEntity, ServiceSubscriptionEntity } from '@drehscheibe/persistence';
import type { ParticipantReferences } from '@drehscheibe/registry';
import { Injectable } from '@nestjs/common';
import { DataSource, IsNull, MoreThan, type EntityManager } from 'typeorm';

/** The writes of one publication, inside its transaction. */
export interface NoticeTransaction {
  em: EntityManager;
  insert(notice: ServiceNoticeEntity): Promise<void>;
  subscribers(serviceId: string): Promise<string[]>;
  addRecipients(noticeId: string, participantIds: string[]): Promise<void>;
}

/** The one way to the notice tables: service_notices, service_subscriptions, notice_recipients. */
@Injectable()
export class NoticeStore {
  constructor(private readonly dataSource: DataSource) {}

  transaction<T>(work: (tx: NoticeTransaction) => Promise<T>): Promise<T> {
    return this.dataSource.transaction((em) =>
      work({
        em,
        insert: async (notice) => void (await em.insert(ServiceNoticeEntity, notice)),
        subscribers: async (serviceId) => (await em.find(ServiceSubscriptionEntity, { where: { serviceId } })).map((s) => s.participantId),
        addRecipients: async (noticeId, participantIds) => {
          if (participantIds.length)
            await em.insert(
              NoticeRecipientEntity,
              participantIds.map((participantId) => ({ noticeId, participantId })),
            );
        },
      }),
    );
  }

  /** Notices that have not ended: current and upcoming, soonest first. */
  current(serviceId: string, now: Date): Promise<ServiceNoticeEntity[]> {
    return this.dataSource.manager.find(ServiceNoticeEntity, {
      where: [
        { serviceId, endsAt: IsNull() },
        { serviceId, endsAt: MoreThan(now) },
      ],
      order: { startsAt: 'ASC', id: 'ASC' },
    });
  }

  async subscribe(participantId: string, serviceId: string): Promise<void> {
    await this.dataSource.manager.upsert(ServiceSubscriptionEntity, { serviceId, participantId }, ['serviceId', 'participantId']);
  }

  async unsubscribe(participantId: string, serviceId: string): Promise<void> {
    await this.dataSource.manager.delete(ServiceSubscriptionEntity, { serviceId, participantId });
  }
}

/** Notices a participant received are history; its subscriptions are wishes and go with it. */
export const noticeParticipantReferences: ParticipantReferences = {
  name: 'notices',
  count: (em, participantId) => em.count(NoticeRecipientEntity, { where: { participantId } }),
  release: async (em, participantId) => void (await em.delete(ServiceSubscriptionEntity, { participantId })),
};
