import type { Requester, Ticket } from '@drehscheibe/contracts';
import { FieldCipher } from '@drehscheibe/security';
import { Injectable } from '@nestjs/common';
import { mayReadRequester, toTicketView, type TicketAggregate } from './ticket-view.js';

/** A ticket as one viewer sees it: the requester's personal data decrypted only for those entitled to it. */
@Injectable()
export class TicketPresenter {
  constructor(private readonly cipher: FieldCipher) {}

  present(aggregate: TicketAggregate, viewerId: string): Ticket {
    const { ticket } = aggregate;
    if (!mayReadRequester(ticket, viewerId)) return toTicketView(aggregate, viewerId);
    return toTicketView(aggregate, viewerId, {
      requester: ticket.requesterEnc ? this.cipher.decrypt<Requester>(ticket.requesterEnc) : undefined,
      requesterPurgedAt: ticket.requesterPurgedAt?.toISOString(),
    });
  }
}
