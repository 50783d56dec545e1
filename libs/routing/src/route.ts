import { DomainError } from '@drehscheibe/domain';

export interface RoutableParticipant {
  id: string;
  status: 'active' | 'suspended';
}

export interface RouteRequest {
  originId: string;
  /** The service's operator — the default BeLa. */
  operator: RoutableParticipant;
  /** An explicit target named by the origin, already looked up (undefined: none named; null: unknown id). */
  explicit?: RoutableParticipant | null;
  explicitId?: string;
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

/**
 * Chooses who receives a new ticket (A01). Routing rules per origin Land and
 * category will sit between the explicit target and the operator.
 */
export function chooseAssignee(request: RouteRequest): string {
  if (request.explicitId !== undefined) return explicitTarget(request.originId, request.explicitId, request.explicit);
  const { operator } = request;
  if (operator.id === request.originId) {
    throw new DomainError('unroutable', 'the caller operates this service itself; name an explicit assignee', { reason: 'origin-is-operator' });
  }
  if (operator.status !== 'active') {
    throw new DomainError('unroutable', `the operator ${operator.id} of this service is suspended`, { reason: 'operator-suspended' });
  }
  return operator.id;
}
