import type { Ticket, TicketEventType } from '@drehscheibe/contracts';
import { DomainError, type ActorRoles } from '@drehscheibe/domain';
import type { RequestSignatureProof } from '@drehscheibe/evidence';
import { DELIVERY_DISPATCHER, OutboxWriter, type DeliveryDispatcher, type DeliveryRef } from '@drehscheibe/outbox';
import { HUB_PARTICIPANT_ID } from '@drehscheibe/registry';
import { Inject, Injectable } from '@nestjs/common';
import { prepareEvent, type RecordedEvent } from './event-recorder.js';
import { TicketPresenter } from './ticket-presenter.js';
import { TicketStore, type LoadedTicket, type TicketTransaction } from './ticket-store.js';

/** What a step did: the event to record. */
export interface ChangeOutcome {
  type: TicketEventType;
  data: Record<string, unknown>;
}

/** An event a change recorded: its type and the version it made. */
export interface AppliedEvent {
  type: TicketEventType;
  ticketVersion: number;
  eventId: string;
}

export interface CommandContext extends LoadedTicket {
  /** The change's writes besides the ticket row (parties, comments…), in its transaction. */
  tx: TicketTransaction;
  actorId: string;
  roles: ActorRoles;
  now: Date;
  /**
   * Records one event now, with the ticket as it is at this moment: for a
   * change of several steps (each step its own event and version). The
   * outcome a command returns is recorded after the ones emitted.
   */
  emit(outcome: ChangeOutcome): void;
}

/**
 * The versions an `If-Match` names with strong entity tags: the change
 * applies only at one of them. Empty when it names none (only weak tags),
 * which never matches; undefined when there is no precondition (absent, `*`).
 */
export type ExpectedVersions = readonly number[];

/** What a write states about itself besides its body. */
export interface WriteConditions {
  /** From `If-Match`: the change applies only at one of these versions. */
  ifMatch?: ExpectedVersions;
  /** From `Source-Ref`: the source system's own id of this change, applied once per participant and ticket. */
  sourceRef?: string;
  /** From `Drehscheibe-Signature`, verified: the proof every event of this write carries. */
  requestSignature?: RequestSignatureProof;
}

/** `applied`: the source reference is new and this write was applied; `already-applied`: an earlier write named it, nothing was done. */
export type SourceRefOutcome = 'applied' | 'already-applied';

export interface CommandResult {
  ticket: Ticket;
  changed: boolean;
  /** Every event the change recorded, oldest first (none when it changed nothing). */
  events: AppliedEvent[];
  /** Set when the write named a source reference. */
  sourceRef?: SourceRefOutcome;
}

/**
 * The unit of work shared by every change to an existing ticket: lock, check
 * party, version and source reference, apply, bump the version per event,
 * record the events and their deliveries — one transaction — then hand the
 * deliveries to the queue.
 */
@Injectable()
export class TicketCommandRunner {
  constructor(
    private readonly store: TicketStore,
    private readonly presenter: TicketPresenter,
    private readonly outbox: OutboxWriter,
    @Inject(DELIVERY_DISPATCHER) private readonly dispatcher: DeliveryDispatcher,
  ) {}

  run(
    actorId: string,
    ticketId: string,
    conditions: WriteConditions | undefined,
    apply: (ctx: CommandContext) => Promise<ChangeOutcome | null> | ChangeOutcome | null,
  ): Promise<CommandResult> {
    return this.change(actorId, ticketId, conditions, apply, actorId);
  }

  /**
   * A change the hub makes by itself (auto-close): any ticket, no party
   * check, actor `drehscheibe` with no role (origin, assignee, resolver), so
   * every party gets the event. `apply` runs under the lock and checks again
   * that the change is still due (a party's change in between wins).
   */
  runAsHub(ticketId: string, apply: (ctx: CommandContext) => Promise<ChangeOutcome | null> | ChangeOutcome | null): Promise<CommandResult> {
    return this.change(HUB_PARTICIPANT_ID, ticketId, undefined, apply, null);
  }

  private async change(
    actorId: string,
    ticketId: string,
    conditions: WriteConditions | undefined,
    apply: (ctx: CommandContext) => Promise<ChangeOutcome | null> | ChangeOutcome | null,
    /** Whose party check the load makes; null: none (the hub). */
    partyId: string | null,
  ): Promise<CommandResult> {
    const { ifMatch, sourceRef, requestSignature } = conditions ?? {};
    const { aggregate, recorded, sourceRefOutcome } = await this.store.transaction(async (tx) => {
      const aggregate = await tx.load(ticketId, partyId);
      const { ticket } = aggregate;
      if (ifMatch !== undefined && !ifMatch.includes(ticket.version)) {
        const named = ifMatch.length > 0 ? `not ${ifMatch.join(' or ')}` : 'and If-Match names no version as a strong entity tag';
        throw new DomainError('version-mismatch', `the ticket is at version ${ticket.version}, ${named}`, {
          currentVersion: ticket.version,
        });
      }
      if (sourceRef !== undefined && (await tx.hasSourceRef(ticketId, actorId, sourceRef))) {
        await tx.saveUnchanged(ticket);
        return { aggregate, recorded: [] as RecordedEvent[], sourceRefOutcome: 'already-applied' as const };
      }
      const now = new Date();
      const roles: ActorRoles = { isOrigin: ticket.originId === actorId, isAssignee: ticket.assigneeId === actorId, isResolver: ticket.resolverId === actorId };
      // Each event takes its snapshot when emitted (prepareEvent's synchronous part); rendering may wait.
      const pending: Array<Promise<RecordedEvent>> = [];
      const emit = (outcome: ChangeOutcome) => {
        ticket.version += 1;
        ticket.updatedAt = now;
        pending.push(prepareEvent(this.outbox, aggregate, actorId, outcome.type, outcome.data, now, aggregate.endpoints, requestSignature ?? null));
      };
      const outcome = await apply({ ...aggregate, tx, actorId, roles, now, emit });
      if (outcome) emit(outcome);
      const recorded = await Promise.all(pending);
      if (recorded.length === 0) {
        // No event, but maybe a write (an internal comment): a retry under the same key must not repeat it.
        await tx.saveUnchanged(ticket);
      }
      // The ticket row is written with each event; only the last one records the request's Idempotency-Key.
      for (const [i, event] of recorded.entries()) await tx.saveChange(ticket, event, i === recorded.length - 1);
      if (sourceRef !== undefined) await tx.addSourceRef({ ticketId, participantId: actorId, sourceRef, ticketVersion: ticket.version, appliedAt: now });
      return { aggregate, recorded, sourceRefOutcome: sourceRef === undefined ? undefined : ('applied' as const) };
    });
    const deliveries: DeliveryRef[] = recorded.flatMap((r) => r.outbox.deliveries.map(({ id, receiverId }) => ({ id, receiverId })));
    await this.dispatcher.dispatch(deliveries);
    return {
      ticket: this.presenter.present(aggregate, actorId),
      changed: recorded.length > 0,
      events: recorded.map(({ event }) => ({ type: event.type as TicketEventType, ticketVersion: event.ticketVersion, eventId: event.id })),
      ...(sourceRefOutcome ? { sourceRef: sourceRefOutcome } : {}),
    };
  }
}
