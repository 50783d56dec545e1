import type { Ticket, TicketEvent } from '@drehscheibe/contracts';
import { Injectable } from '@nestjs/common';
import { toEventView } from './ticket-events.js';
import { TicketPresenter } from './ticket-presenter.js';
import { TicketStore } from './ticket-store.js';

/** Reads for parties of a ticket. */
@Injectable()
export class TicketQueries {
  constructor(
    private readonly store: TicketStore,
    private readonly presenter: TicketPresenter,
  ) {}

  async get(viewerId: string, ticketId: string): Promise<Ticket> {
    return this.presenter.present(await this.store.load(ticketId, viewerId), viewerId);
  }

  async events(viewerId: string, ticketId: string): Promise<TicketEvent[]> {
    await this.store.load(ticketId, viewerId);
    return (await this.store.events(ticketId)).map(toEventView);
  }
}
