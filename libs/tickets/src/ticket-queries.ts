import type { Ticket, TicketEvent } from '@drehscheibe/contracts';
import { DomainError } from '@drehscheibe/domain';
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

  /** Throws `not-found` unless the participant is party to the ticket (the same answer as for a ticket that does not exist). */
  async assertParty(participantId: string, ticketId: string): Promise<void> {
    await this.store.load(ticketId, participantId);
  }

  /** The one ticket on which the participant's own ticket number is `externalId` (a native system names tickets so). */
  async idByOwnExternalId(participantId: string, externalId: string): Promise<string> {
    const ids = await this.store.idsByOwnExternalId(participantId, externalId);
    if (ids.length === 0) throw new DomainError('not-found', `none of your tickets has your number ${externalId}`);
    if (ids.length > 1) throw new DomainError('duplicate-external-id', `several of your tickets have your number ${externalId}`);
    return ids[0];
  }

  async events(viewerId: string, ticketId: string): Promise<TicketEvent[]> {
    await this.store.load(ticketId, viewerId);
    return (await this.store.events(ticketId)).map(toEventView);
  }
}
