import type { Ticket, TicketEventType } from '@drehscheibe/contracts';
import { DomainError, type ActorRoles } from '@drehscheibe/domain';
import { DELIVERY_DISPATCHER, OutboxWriter, type DeliveryDispatcher, type DeliveryRef } from '@drehscheibe/outbox';
import { Inject, Injectable } from '@nestjs/common';
import { prepareEvent } from './event-recorder.js';
import { TicketPresenter } from './ticket-presenter.js';
import { TicketStore, type LoadedTicket, type TicketTransaction } from './ticket-store.js';

/** What a command did: the event to record, or null when it changed nothing. */
export interface ChangeOutcome {
  type: TicketEventType;
  data: Record<string, unknown>;
}

export interface CommandContext extends LoadedTicket {
  /** The change's writes besides the ticket row (parties, comments…), in its transaction. */
  tx: TicketTransaction;
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
    private readonly store: TicketStore,
    private readonly presenter: TicketPresenter,
    private readonly outbox: OutboxWriter,
    @Inject(DELIVERY_DISPATCHER) private readonly dispatcher: DeliveryDispatcher,
  ) {}

  async run(
    actorId: string,
    ticketId: string,
    expectedVersions: ExpectedVersions | undefined,
    apply: (ctx: CommandContext) => Promise<ChangeOutcome | null> | ChangeOutcome | null,
  ): Promise<CommandResult> {
    const { aggregate, deliveries, changed } = await this.store.transaction(async (tx) => {
      const aggregate = await tx.load(ticketId, actorId);
      const { ticket } = aggregate;
      if (expectedVersions !== undefined && !expectedVersions.includes(ticket.version)) {
        const named = expectedVersions.length > 0 ? `not ${expectedVersions.join(' or ')}` : 'and If-Match names no version as a strong entity tag';
        throw new DomainError('version-mismatch', `the ticket is at version ${ticket.version}, ${named}`, {
          currentVersion: ticket.version,
        });
      }
      const now = new Date();
      const roles = { isOrigin: ticket.originId === actorId, isAssignee: ticket.assigneeId === actorId };
      const outcome = await apply({ ...aggregate, tx, actorId, roles, now });
      if (!outcome) {
        // No event, but maybe a write (an internal comment): a retry under the same key must not repeat it.
        await tx.saveUnchanged(ticket);
        return { aggregate, deliveries: [] as DeliveryRef[], changed: false };
      }
      ticket.version += 1;
      ticket.updatedAt = now;
      const recorded = prepareEvent(this.outbox, aggregate, actorId, outcome.type, outcome.data, now, aggregate.endpoints);
      await tx.saveChange(ticket, recorded);
      return { aggregate, deliveries: recorded.outbox.deliveries, changed: true };
    });
    await this.dispatcher.dispatch(deliveries.map(({ id, receiverId }) => ({ id, receiverId })));
    return { ticket: this.presenter.present(aggregate, actorId), changed };
  }
}
