import type { Requester, Ticket } from '@drehscheibe/contracts';
import { ServiceEntity, TicketAttachmentEntity, TicketCommentEntity, TicketEntity, TicketPartyEntity } from '@drehscheibe/persistence';
import { FieldCipher } from '@drehscheibe/security';
import { parseInstant } from '@drehscheibe/domain';
import { Injectable } from '@nestjs/common';
import { DataSource, In } from 'typeorm';
import { decodeIdCursor, encodeIdCursor } from './cursor.js';
import { mayReadRequester, toTicketView } from './ticket-view.js';

export interface TicketFilter {
  status?: string[];
  serviceId?: string;
  /** The caller's role on the ticket; `any` (default) is every ticket it is party to. */
  role?: 'origin' | 'assignee' | 'watcher' | 'any';
  /** A category matches itself and its sub-categories (`access` finds `access.login`). */
  category?: string;
  priority?: number;
  updatedSince?: string;
  /** Case-insensitive text in the subject. */
  q?: string;
  limit: number;
  cursor?: string;
}

export interface TicketPage {
  items: Ticket[];
  nextCursor?: string;
}

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * Uniform querying (A06): only tickets the caller is party to, in id order.
 * Ids are UUIDv7 and never change, so paging stays stable while tickets are
 * created and updated underneath.
 */
@Injectable()
export class TicketList {
  constructor(
    private readonly dataSource: DataSource,
    private readonly cipher: FieldCipher,
  ) {}

  async list(viewerId: string, filter: TicketFilter): Promise<TicketPage> {
    const qb = this.dataSource.manager
      .createQueryBuilder(TicketEntity, 't')
      .innerJoin(TicketPartyEntity, 'p', 'p.ticket_id = t.id AND p.participant_id = :viewer', { viewer: viewerId })
      .orderBy('t.id', 'ASC')
      .take(filter.limit + 1);
    if (filter.cursor) qb.andWhere('t.id > :after', { after: decodeIdCursor(filter.cursor) });
    if (filter.status?.length) qb.andWhere('t.status IN (:...status)', { status: filter.status });
    if (filter.serviceId) qb.andWhere('t.service_id = :serviceId', { serviceId: filter.serviceId });
    if (filter.priority) qb.andWhere('t.priority = :priority', { priority: filter.priority });
    if (filter.updatedSince) qb.andWhere('t.updated_at >= :since', { since: parseInstant(filter.updatedSince) });
    if (filter.category)
      qb.andWhere("(t.category = :category OR t.category LIKE :categoryPrefix ESCAPE '\\')", {
        category: filter.category,
        categoryPrefix: `${escapeLike(filter.category)}.%`,
      });
    if (filter.q) qb.andWhere("t.subject ILIKE :q ESCAPE '\\'", { q: `%${escapeLike(filter.q)}%` });
    if (filter.role === 'origin') qb.andWhere('t.origin_id = :viewer');
    if (filter.role === 'assignee') qb.andWhere('t.assignee_id = :viewer');
    if (filter.role === 'watcher') qb.andWhere('t.origin_id <> :viewer AND t.assignee_id <> :viewer');

    const rows = await qb.getMany();
    const page = rows.slice(0, filter.limit);
    const items = await this.views(page, viewerId);
    return rows.length > filter.limit ? { items, nextCursor: encodeIdCursor(page[page.length - 1].id) } : { items };
  }

  /** Loads what the views need in three queries, not three per ticket. */
  private async views(tickets: TicketEntity[], viewerId: string): Promise<Ticket[]> {
    if (tickets.length === 0) return [];
    const ids = tickets.map((t) => t.id);
    const em = this.dataSource.manager;
    const [parties, services, comments, attachments] = await Promise.all([
      em.find(TicketPartyEntity, { where: { ticketId: In(ids) } }),
      em.find(ServiceEntity, { where: { id: In([...new Set(tickets.map((t) => t.serviceId))]) } }),
      em.find(TicketCommentEntity, { where: { ticketId: In(ids) }, order: { createdAt: 'ASC', id: 'ASC' } }),
      em.find(TicketAttachmentEntity, { where: { ticketId: In(ids) }, order: { createdAt: 'ASC', id: 'ASC' } }),
    ]);
    const serviceById = new Map(services.map((s) => [s.id, s]));
    return tickets.map((ticket) => {
      const requester = ticket.requesterEnc && mayReadRequester(ticket, viewerId) ? this.cipher.decrypt<Requester>(ticket.requesterEnc) : undefined;
      return toTicketView(
        {
          ticket,
          parties: parties.filter((p) => p.ticketId === ticket.id),
          service: serviceById.get(ticket.serviceId)!,
          comments: comments.filter((c) => c.ticketId === ticket.id),
          attachments: attachments.filter((a) => a.ticketId === ticket.id),
        },
        viewerId,
        requester,
      );
    });
  }
}
