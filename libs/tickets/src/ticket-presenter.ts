import type { Requester, Ticket } from '@drehscheibe/contracts';
import { FieldCipher } from '@drehscheibe/security';
import { Injectable } from '@nestjs/common';
import { mayReadRequester, toTicketView, type TicketAggregate } from './ticket-view.js';

/** A ticket as one viewer sees it: the requester's personal data decrypted only for those entitled to it. */
@Injectable()
export class TicketPresenter {
  constructor(private readonly cipher: FieldCipher) {}

  present(aggregate: TicketAggregate, viewerId: string): Ticket {
    const { requesterEnc } = aggregate.ticket;
    const requester = requesterEnc && mayReadRequester(aggregate.ticket, viewerId) ? this.cipher.decrypt<Requester>(requesterEnc) : undefined;
    return toTicketView(aggregate, viewerId, requester);
  }
}
