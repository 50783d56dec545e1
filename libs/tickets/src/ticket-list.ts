import { decodeIdCursor, encodeIdCursor, type Ticket } from '@drehscheibe/contracts';
import { parseInstant } from '@drehscheibe/domain';
import { Injectable } from '@nestjs/common';
import { TicketPresenter } from './ticket-presenter.js';
import { TicketStore, type TicketQuery } from './ticket-store.js';

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
  /** Any party's own ticket number (the caller's or a partner's), exactly. */
  externalId?: string;
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
    private readonly store: TicketStore,
    private readonly presenter: TicketPresenter,
  ) {}

  async list(viewerId: string, filter: TicketFilter): Promise<TicketPage> {
    const where: TicketQuery['where'] = [];
    if (filter.status?.length) where.push({ sql: 't.status IN (:...status)', params: { status: filter.status } });
    if (filter.serviceId) where.push({ sql: 't.service_id = :serviceId', params: { serviceId: filter.serviceId } });
    if (filter.priority) where.push({ sql: 't.priority = :priority', params: { priority: filter.priority } });
    if (filter.updatedSince) where.push({ sql: 't.updated_at >= :since', params: { since: parseInstant(filter.updatedSince) } });
    if (filter.category)
      where.push({
        sql: "(t.category = :category OR t.category LIKE :categoryPrefix ESCAPE '\\')",
        params: { category: filter.category, categoryPrefix: `${escapeLike(filter.category)}.%` },
      });
    if (filter.q) where.push({ sql: "t.subject ILIKE :q ESCAPE '\\'", params: { q: `%${escapeLike(filter.q)}%` } });
    // Along ticket_parties_external_id_idx; the origin's number is on its party row too.
    if (filter.externalId) {
      where.push({
        sql: 'EXISTS (SELECT 1 FROM ticket_parties x WHERE x.ticket_id = t.id AND x.external_id = :externalId)',
        params: { externalId: filter.externalId },
      });
    }
    if (filter.role === 'origin') where.push({ sql: 't.origin_id = :viewer' });
    if (filter.role === 'assignee') where.push({ sql: 't.assignee_id = :viewer' });
    if (filter.role === 'watcher') where.push({ sql: 't.origin_id <> :viewer AND t.assignee_id <> :viewer' });

    const afterId = filter.cursor ? decodeIdCursor(filter.cursor) : undefined;
    const found = await this.store.page({ viewerId, where, afterId, limit: filter.limit + 1 });
    const page = found.slice(0, filter.limit);
    const items = page.map((aggregate) => this.presenter.present(aggregate, viewerId));
    return found.length > filter.limit ? { items, nextCursor: encodeIdCursor(page[page.length - 1].ticket.id) } : { items };
  }
}
