import type { Ticket } from '@drehscheibe/contracts';
import type { Outcome, StoredReply } from '@drehscheibe/idempotency';
import { ReceiptSigner } from '@drehscheibe/security';
import { TicketQueries } from '@drehscheibe/tickets';
import { Injectable } from '@nestjs/common';
import { etag } from '../http/request-context.js';

const CREATE_ROUTE = '/v1/tickets';
const ATTACH_ROUTE = '/v1/tickets/:ticketId/attachments';

/**
 * A creation's 201 headers: where the ticket is, its version, and the signed
 * receipt that binds the ticket to exactly the body the caller sent.
 */
export function creationHeaders(
  receipts: ReceiptSigner,
  ticket: Ticket,
  createdVersion: number,
  body: string | Buffer,
  requestSignature?: { kid: string; jws: string },
): { location: string; etag: string; 'drehscheibe-receipt': string } {
  return {
    location: `/v1/tickets/${ticket.id}`,
    etag: etag(ticket.version),
    'drehscheibe-receipt': receipts.sign({
      ticketId: ticket.id,
      version: createdVersion,
      origin: ticket.origin.participantId,
      externalId: ticket.origin.externalId,
      body,
      requestSignature,
    }),
  };
}

/**
 * The answer to a ticket request whose change committed but whose own answer
 * was lost (the API crashed in between): the ticket as it is now for the
 * caller, with the status code and headers the request answers with.
 */
@Injectable()
export class TicketOutcomeReplies {
  constructor(
    private readonly queries: TicketQueries,
    private readonly receipts: ReceiptSigner,
  ) {}

  async reply(route: string, callerId: string, outcome: Outcome, body: string | Buffer): Promise<StoredReply> {
    const ticket = await this.queries.get(callerId, outcome.ticketId);
    if (route === CREATE_ROUTE) {
      // The receipt names the signature the creating request carried, as its first answer would have.
      const created = (await this.queries.events(callerId, ticket.id)).find((e) => e.ticketVersion === outcome.ticketVersion);
      return {
        statusCode: 201,
        headers: creationHeaders(this.receipts, ticket, outcome.ticketVersion, body, created?.requestSignature),
        body: ticket,
      };
    }
    if (route === ATTACH_ROUTE) {
      const event = (await this.queries.events(callerId, ticket.id)).find((e) => e.ticketVersion === outcome.ticketVersion);
      const attachmentId = (event?.data as { attachment?: { id: string } } | undefined)?.attachment?.id;
      const headers: Record<string, string> = { etag: etag(ticket.version) };
      if (attachmentId) headers.location = `/v1/tickets/${ticket.id}/attachments/${attachmentId}`;
      return { statusCode: 201, headers, body: ticket };
    }
    return { statusCode: 200, headers: { etag: etag(ticket.version) }, body: ticket };
  }
}
