import { DomainError } from '@drehscheibe/domain';
import { ServiceEntity, TicketAttachmentEntity, TicketCommentEntity, TicketEntity, TicketPartyEntity } from '@drehscheibe/persistence';
import type { EntityManager } from 'typeorm';
import type { TicketAggregate } from './ticket-view.js';

/**
 * Loads a ticket for a participant. A ticket the caller is not party to is
 * reported exactly like a missing one, so ids cannot be probed.
 */
export async function loadTicketFor(em: EntityManager, ticketId: string, participantId: string, forUpdate: boolean): Promise<TicketAggregate> {
  const ticket = await em.findOne(TicketEntity, {
    where: { id: ticketId },
    ...(forUpdate ? { lock: { mode: 'pessimistic_write' as const } } : {}),
  });
  const parties = ticket ? await em.find(TicketPartyEntity, { where: { ticketId } }) : [];
  if (!ticket || !parties.some((p) => p.participantId === participantId)) {
    throw new DomainError('not-found', `ticket ${ticketId} does not exist or you are not party to it`);
  }
  const [service, comments, attachments] = await Promise.all([
    em.findOneByOrFail(ServiceEntity, { id: ticket.serviceId }),
    em.find(TicketCommentEntity, { where: { ticketId }, order: { createdAt: 'ASC', id: 'ASC' } }),
    em.find(TicketAttachmentEntity, { where: { ticketId }, order: { createdAt: 'ASC', id: 'ASC' } }),
  ]);
  return { ticket, parties, service, comments, attachments };
}
