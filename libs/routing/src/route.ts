import { DomainError } from '@drehscheibe/domain';

export interface RoutableParticipant {
  id: string;
  status: 'active' | 'suspended';
}

/** Overrides the service's operator for tickets from a Land and/or in a category. */
export interface RoutingRule {
  id: string;
  /** Rules are tried in ascending position; the first match wins. */
  position: number;
  /** Null: any service. */
  serviceId: string | null;
  /** ISO 3166-2:DE code of the origin's Land; null: any. */
  originLand: string | null;
  /** Category code; matches itself and its sub-categories; null: any. */
  category: string | null;
  targetId: string;
  enabled: boolean;
}

export interface RouteRequest {
  origin: { id: string; land: string | null };
  serviceId: string;
  category?: string | null;
  /** The service's operator — the default BeLa. */
  operator: RoutableParticipant;
  rules?: RoutingRule[];
  /** Looks up a rule's target (only called for the matching rule). */
  participant?: (id: string) => RoutableParticipant | undefined;
  /** An explicit target named by the origin, already looked up (undefined: none named; null: unknown id). */
  explicit?: RoutableParticipant | null;
  explicitId?: string;
}

export interface RouteDecision {
  assigneeId: string;
  /** Why this participant: explicit, rule (with id) or operator. */
  via: { kind: 'explicit' } | { kind: 'rule'; ruleId: string } | { kind: 'operator' };
}

/**
 * Checks a target someone named (on creation or when forwarding): it must be
 * registered, active, and not the sender itself.
 */
export function explicitTarget(senderId: string, targetId: string, target: RoutableParticipant | null | undefined): string {
  if (!target) throw new DomainError('unroutable', `participant ${targetId} is not registered`, { reason: 'unknown-participant' });
  if (target.status !== 'active') throw new DomainError('unroutable', `participant ${target.id} is suspended`, { reason: 'participant-suspended' });
  if (target.id === senderId) throw new DomainError('unroutable', 'a ticket cannot be routed to its own sender', { reason: 'self-assignment' });
  return target.id;
}

export function ruleMatches(rule: RoutingRule, request: Pick<RouteRequest, 'origin' | 'serviceId' | 'category'>): boolean {
  if (!rule.enabled) return false;
  if (rule.serviceId !== null && rule.serviceId !== request.serviceId) return false;
  if (rule.originLand !== null && rule.originLand !== request.origin.land) return false;
  if (rule.category !== null) {
    const category = request.category ?? '';
    if (category !== rule.category && !category.startsWith(`${rule.category}.`)) return false;
  }
  return true;
}

/**
 * Chooses who receives a new ticket (A01): an explicit target, else the first
 * matching routing rule in position order, else the service's operator.
 */
export function chooseAssignee(request: RouteRequest): RouteDecision {
  const originId = request.origin.id;
  if (request.explicitId !== undefined) {
    return { assigneeId: explicitTarget(originId, request.explicitId, request.explicit), via: { kind: 'explicit' } };
  }
  const rule = [...(request.rules ?? [])].sort((a, b) => a.position - b.position).find((r) => ruleMatches(r, request));
  if (rule) {
    const target = request.participant?.(rule.targetId);
    if (!target || target.status !== 'active') {
      throw new DomainError('unroutable', `routing rule ${rule.id} sends this ticket to ${rule.targetId}, which is not active`, {
        reason: 'rule-target-inactive',
        ruleId: rule.id,
      });
    }
    if (target.id === originId) {
      throw new DomainError('unroutable', `routing rule ${rule.id} sends this ticket back to its origin`, { reason: 'origin-is-rule-target', ruleId: rule.id });
    }
    return { assigneeId: target.id, via: { kind: 'rule', ruleId: rule.id } };
  }
  const { operator } = request;
  if (operator.id === originId) {
    throw new DomainError('unroutable', 'the caller operates this service itself; name an explicit assignee', { reason: 'origin-is-operator' });
  }
  if (operator.status !== 'active') {
    throw new DomainError('unroutable', `the operator ${operator.id} of this service is suspended`, { reason: 'operator-suspended' });
  }
  return { assigneeId: operator.id, via: { kind: 'operator' } };
}
