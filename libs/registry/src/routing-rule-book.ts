import { CodelistRegistry } from '@drehscheibe/codelists';
import type { components } from '@drehscheibe/contracts';
import { DomainError } from '@drehscheibe/domain';
import { isUniqueViolation, ParticipantEntity, RoutingRuleEntity, ServiceEntity } from '@drehscheibe/persistence';
import type { DataSource } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { toRoutingRuleView, type RoutingRule } from './views.js';

type Schemas = components['schemas'];

/** The ordered routing rules that override a service's operator: for a service, an origin Land, a category, or any combination. */
export class RoutingRuleBook {
  constructor(
    private readonly dataSource: DataSource,
    private readonly codelists: CodelistRegistry,
  ) {}

  async list(): Promise<RoutingRule[]> {
    return (await this.dataSource.manager.find(RoutingRuleEntity, { order: { position: 'ASC' } })).map(toRoutingRuleView);
  }

  async get(id: string): Promise<RoutingRule> {
    return toRoutingRuleView(await this.find(id));
  }

  async create(input: Schemas['RoutingRuleCreate']): Promise<RoutingRule> {
    const entity = this.dataSource.manager.create(RoutingRuleEntity, {
      id: uuidv7(),
      position: input.position,
      serviceId: input.serviceId ?? null,
      originLand: input.originLand ?? null,
      category: input.category ?? null,
      targetId: input.targetId,
      enabled: input.enabled ?? true,
      description: input.description ?? null,
    });
    await this.check(entity);
    await this.save(entity, true);
    return this.get(entity.id);
  }

  async update(id: string, patch: Schemas['RoutingRuleUpdate']): Promise<RoutingRule> {
    const entity = await this.find(id);
    Object.assign(entity, Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)));
    await this.check(entity);
    await this.save(entity, false);
    return this.get(id);
  }

  async remove(id: string): Promise<void> {
    await this.find(id);
    await this.dataSource.manager.delete(RoutingRuleEntity, { id });
  }

  private async save(entity: RoutingRuleEntity, insert: boolean): Promise<void> {
    try {
      if (insert) await this.dataSource.manager.insert(RoutingRuleEntity, entity);
      else await this.dataSource.manager.save(entity);
    } catch (e) {
      if (isUniqueViolation(e, 'routing_rules_position_key')) throw new DomainError('already-exists', `another rule has position ${entity.position}`);
      throw e;
    }
  }

  /** A rule must say when it applies and point at things that exist. */
  private async check(rule: RoutingRuleEntity): Promise<void> {
    if (rule.serviceId === null && rule.originLand === null && rule.category === null) {
      throw new DomainError('invalid-rule', 'a rule needs serviceId, originLand or category', {
        errors: [{ pointer: '/body', message: 'needs serviceId, originLand or category' }],
      });
    }
    if (rule.category !== null && !this.codelists.has('category', rule.category)) {
      throw new DomainError('unknown-code', `category ${rule.category} is not in codelist category`, {
        errors: [{ pointer: '/body/category', message: 'is not in codelist category' }],
      });
    }
    if (!(await this.dataSource.manager.existsBy(ParticipantEntity, { id: rule.targetId }))) {
      throw new DomainError('unknown-participant', `participant ${rule.targetId} is not registered`, {
        errors: [{ pointer: '/body/targetId', message: 'is not a registered participant' }],
      });
    }
    if (rule.serviceId !== null && !(await this.dataSource.manager.existsBy(ServiceEntity, { id: rule.serviceId }))) {
      throw new DomainError('unknown-service', `service ${rule.serviceId} is not registered`, {
        errors: [{ pointer: '/body/serviceId', message: 'is not a registered service' }],
      });
    }
  }

  private async find(id: string): Promise<RoutingRuleEntity> {
    const entity = await this.dataSource.manager.findOneBy(RoutingRuleEntity, { id });
    if (!entity) throw new DomainError('not-found', `routing rule ${id} does not exist`);
    return entity;
  }
}
