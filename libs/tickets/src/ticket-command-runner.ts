import type { Ticket, TicketEventType } from '@drehscheibe/contracts';
import { DomainError, type ActorRoles } from '@drehscheibe/domain';
import { recordOutcome } from '@drehscheibe/idempotency';
import { FieldCipher } from '@drehscheibe/security';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { DELIVERY_DISPATCHER, type DeliveryDispatcher, type DeliveryRef } from './delivery-dispatcher.js';
import { prepareEvent } from './event-recorder.js';
import { loadTicketFor, saveChange, type LoadedTicket } from './ticket-store.js';
import { mayReadRequester, toTicketView, type TicketAggregate } from './ticket-view.js';
import type { Requester } from '@drehscheibe/contracts';

/** What a command did: the event to record, or null when it changed nothing. */
export interface ChangeOutcome {
  type: TicketEventType;
  data: Record<string, unknown>;
}

export interface CommandContext extends LoadedTicket {
  em: EntityManager;
  actorId: string;
  roles: ActorRoles;
  now: Date;
}

/**
 * The versions an `If-Match` names with strong entity tags: the change
 * applies only at one of them. Empty when it names none (only weak tags),
 * which never matches; undefined when there is no precondition (absent, `*`).
 */
export type ExpectedVersions = readonly number[];

export interface CommandResult {
  ticket: Ticket;
  changed: boolean;
}

/**
 * The unit of work shared by every change to an existing ticket: lock, check
 * party and version, apply, bump the version, record the event and its
 * deliveries — one transaction — then hand the deliveries to the queue.
 */
@Injectable()
export class TicketCommandRunner {
  constructor(
    private readonly dataSource: DataSource,
    private readonly cipher: FieldCipher,
    @Inject(DELIVERY_DISPATCHER) private readonly dispatcher: DeliveryDispatcher,
  ) {}

  async run(
    actorId: string,
    ticketId: string,
    expectedVersions: ExpectedVersions | undefined,
    apply: (ctx: CommandContext) => Promise<ChangeOutcome | null> | ChangeOutcome | null,
  ): Promise<CommandResult> {
    const { aggregate, deliveries, changed } = await this.dataSource.transaction(async (em) => {
      const aggregate = await loadTicketFor(em, ticketId, actorId, true);
      const { ticket } = aggregate;
      if (expectedVersions !== undefined && !expectedVersions.includes(ticket.version)) {
        const named = expectedVersions.length > 0 ? `not ${expectedVersions.join(' or ')}` : 'and If-Match names no version as a strong entity tag';
        throw new DomainError('version-mismatch', `the ticket is at version ${ticket.version}, ${named}`, {
          currentVersion: ticket.version,
        });
      }
      const now = new Date();
      const roles = { isOrigin: ticket.originId === actorId, isAssignee: ticket.assigneeId === actorId };
      const outcome = await apply({ ...aggregate, em, actorId, roles, now });
      if (!outcome) {
        // No event, but maybe a write (an internal comment): a retry under the same key must not repeat it.
        await recordOutcome(em, ticket.id, ticket.version);
        return { aggregate, deliveries: [] as DeliveryRef[], changed: false };
      }
      ticket.version += 1;
      ticket.updatedAt = now;
      const recorded = prepareEvent(aggregate, actorId, outcome.type, outcome.data, now, aggregate.endpoints);
      await saveChange(em, ticket, recorded);
      return { aggregate, deliveries: recorded.deliveries, changed: true };
    });
    await this.dispatcher.dispatch(deliveries);
    return { ticket: this.view(aggregate, actorId), changed };
  }

  view(aggregate: TicketAggregate, viewerId: string): Ticket {
    const { requesterEnc } = aggregate.ticket;
    const requester = requesterEnc && mayReadRequester(aggregate.ticket, viewerId) ? this.cipher.decrypt<Requester>(requesterEnc) : undefined;
    return toTicketView(aggregate, viewerId, requester);
  }
}
