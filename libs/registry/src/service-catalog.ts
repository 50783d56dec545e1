import type { components } from '@drehscheibe/contracts';
import { DomainError } from '@drehscheibe/domain';
import {
  isUniqueViolation,
  ParticipantEntity,
  RoutingRuleEntity,
  ServiceEntity,
  ServiceNoticeEntity,
  ServiceSubscriptionEntity,
  TicketEntity,
} from '@drehscheibe/persistence';
import type { DataSource } from 'typeorm';
import { toServiceView, type Service } from './views.js';

type Schemas = components['schemas'];

/** The online services (EfA-Dienste) and who operates them — the default route. */
export class ServiceCatalog {
  constructor(private readonly dataSource: DataSource) {}

  async list(): Promise<Service[]> {
    return (await this.dataSource.manager.find(ServiceEntity, { order: { id: 'ASC' } })).map(toServiceView);
  }

  async get(id: string): Promise<Service> {
    return toServiceView(await this.find(id));
  }

  async register(input: Schemas['ServiceCreate']): Promise<Service> {
    await this.requireParticipant(input.operatorId, '/body/operatorId');
    try {
      await this.dataSource.manager.insert(ServiceEntity, {
        id: input.id,
        name: input.name,
        leikaKey: input.leikaKey ?? null,
        operatorId: input.operatorId,
        autoCloseAfter: input.autoCloseAfter ?? null,
      });
    } catch (e) {
      if (isUniqueViolation(e)) throw new DomainError('already-exists', `service ${input.id} is registered already`);
      throw e;
    }
    return this.get(input.id);
  }

  async update(id: string, patch: Schemas['ServiceUpdate']): Promise<Service> {
    const entity = await this.find(id);
    if (patch.operatorId !== undefined) {
      await this.requireParticipant(patch.operatorId, '/body/operatorId');
      entity.operatorId = patch.operatorId;
    }
    if (patch.name !== undefined) entity.name = patch.name;
    if (patch.leikaKey !== undefined) entity.leikaKey = patch.leikaKey;
    if (patch.autoCloseAfter !== undefined) entity.autoCloseAfter = patch.autoCloseAfter;
    await this.dataSource.manager.save(entity);
    return this.get(id);
  }

  async remove(id: string): Promise<void> {
    await this.find(id);
    await this.dataSource.transaction(async (em) => {
      const [tickets, rules, notices] = await Promise.all([
        em.count(TicketEntity, { where: { serviceId: id } }),
        em.count(RoutingRuleEntity, { where: { serviceId: id } }),
        em.count(ServiceNoticeEntity, { where: { serviceId: id } }),
      ]);
      if (tickets + rules + notices > 0) {
        throw new DomainError('service-in-use', `service ${id} is still referenced`, { references: { tickets, routingRules: rules, notices } });
      }
      // Subscriptions are wishes, not history: they go with the service.
      await em.delete(ServiceSubscriptionEntity, { serviceId: id });
      await em.delete(ServiceEntity, { id });
    });
  }

  private async find(id: string): Promise<ServiceEntity> {
    const entity = await this.dataSource.manager.findOneBy(ServiceEntity, { id });
    if (!entity) throw new DomainError('not-found', `service ${id} is not registered`);
    return entity;
  }

  private async requireParticipant(id: string, pointer: string): Promise<void> {
    if (!(await this.dataSource.manager.existsBy(ParticipantEntity, { id }))) {
      throw new DomainError('unknown-participant', `participant ${id} is not registered`, {
        errors: [{ pointer, message: 'is not a registered participant' }],
      });
    }
  }
}
