import { omitAbsent, type components } from '@drehscheibe/contracts';
import type { ParticipantEntity, RoutingRuleEntity, ServiceEntity } from '@drehscheibe/persistence';

type Schemas = components['schemas'];
export type Participant = Schemas['Participant'];
export type Service = Schemas['Service'];
export type RoutingRule = Schemas['RoutingRule'];

export function toParticipantView(p: ParticipantEntity): Participant {
  return omitAbsent({
    id: p.id,
    name: p.name,
    kind: p.kind,
    level: p.level,
    land: (p.land ?? undefined) as Participant['land'],
    status: p.status,
    deliveryUrl: p.deliveryUrl ?? undefined,
    contact: p.contact ?? undefined,
    rateLimit: p.rateLimit ?? undefined,
    createdAt: p.createdAt.toISOString(),
    updatedAt: p.updatedAt.toISOString(),
  });
}

export function toServiceView(s: ServiceEntity): Service {
  return omitAbsent({
    id: s.id,
    name: s.name,
    leikaKey: s.leikaKey ?? undefined,
    operatorId: s.operatorId,
    autoCloseAfter: s.autoCloseAfter ?? undefined,
    createdAt: s.createdAt.toISOString(),
    updatedAt: s.updatedAt.toISOString(),
  });
}

export function toRoutingRuleView(r: RoutingRuleEntity): RoutingRule {
  return omitAbsent({
    id: r.id,
    position: r.position,
    serviceId: r.serviceId ?? undefined,
    originLand: (r.originLand ?? undefined) as RoutingRule['originLand'],
    category: r.category ?? undefined,
    targetId: r.targetId,
    enabled: r.enabled,
    description: r.description ?? undefined,
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  });
}
