import type { Delivery, Ticket, TicketEvent } from '@drehscheibe/contracts';
import { TicketEventEntity } from '@drehscheibe/persistence';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { TicketCommandRunner } from './ticket-command-runner.js';
import { loadTicketFor } from './ticket-store.js';

export function toEventView(e: TicketEventEntity): TicketEvent {
  return {
    id: e.id,
    type: e.type as TicketEvent['type'],
    ticketId: e.ticketId,
    ticketVersion: e.ticketVersion,
    occurredAt: e.occurredAt.toISOString(),
    actor: { participantId: e.actorId },
    data: e.data,
  };
}

/** What a webhook delivery and the feed carry for a ticket event: the event and the ticket as of it. */
export function toEventDelivery(e: TicketEventEntity): Delivery {
  return { ...toEventView(e), ticket: e.snapshot as Delivery['ticket'] };
}

/** Reads for parties of a ticket. */
@Injectable()
export class TicketQueries {
  constructor(
    private readonly dataSource: DataSource,
    private readonly runner: TicketCommandRunner,
  ) {}

  async get(viewerId: string, ticketId: string): Promise<Ticket> {
    const aggregate = await loadTicketFor(this.dataSource.manager, ticketId, viewerId, false);
    return this.runner.view(aggregate, viewerId);
  }

  async events(viewerId: string, ticketId: string): Promise<TicketEvent[]> {
    await loadTicketFor(this.dataSource.manager, ticketId, viewerId, false);
    const events = await this.dataSource.manager.find(TicketEventEntity, { where: { ticketId }, order: { ticketVersion: 'ASC' } });
    return events.map(toEventView);
  }
}
