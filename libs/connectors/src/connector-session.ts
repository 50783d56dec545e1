import type { Ticket, TicketStateInput } from '@drehscheibe/contracts';
import { DomainError } from '@drehscheibe/domain';
import type { FeedEntries } from '@drehscheibe/feed';
import { MappingError, type ActiveProfile, type CompiledProfile, type NativeRequest } from '@drehscheibe/mapping';
import type { StoredPendingWrite } from '@drehscheibe/persistence';
import type { ConnectorConfig } from './connector-config.js';
import type { ConnectorStates, ResumePoint } from './connector-states.js';
import { outboundSteps, type OutboundStep } from './outbound-steps.js';
import type { SystemChange, SystemConnector, WriteOutcome } from './system-connector.js';

/** What a connector needs of the hub: the same use cases and reads as the API. */
export interface ConnectorPorts {
  states: ConnectorStates;
  profiles: { active(participantId: string): Promise<ActiveProfile | null> };
  /** NativeInbound: a native change as the participant, with its source reference. */
  inbound: {
    receive(participantId: string, payload: unknown, profile: ActiveProfile, sourceRef?: string): Promise<{ outcome: 'created' | 'changed' | 'unchanged' }>;
  };
  feed: { readEntries(viewerId: string, after: string | undefined, limit: number): Promise<FeedEntries> };
  tickets: { get(viewerId: string, ticketId: string): Promise<Ticket> };
  desiredState: { set(actorId: string, ticketId: string, input: TicketStateInput, conditions: { sourceRef: string }): Promise<unknown> };
  /** The system for a connector kind (the generic one reads its profile). */
  systemFor(config: ConnectorConfig, profile: CompiledProfile): SystemConnector;
  log: { warn(fields: Record<string, unknown>, message: string): void; info(fields: Record<string, unknown>, message: string): void };
}

/** A cycle could not go on; `cause` is what operators see. The connector tries again after a pause. */
export class ConnectorFault extends Error {
  constructor(
    readonly reason: 'no-profile' | 'mapping-failed' | 'external-id-unknown',
    message: string,
  ) {
    super(message);
    this.name = 'ConnectorFault';
  }
}

const FEED_PAGE = 50;

/**
 * One participant's system while this replica holds its lease. A cycle
 * first settles a write a crash left open (asking the system whether it
 * arrived), then applies the system's settled changes and stores the
 * watermark after them, then writes the hub's new events one by one: each
 * write recorded as pending before it is sent and cleared, with the feed
 * cursor, after. Every step is safe to repeat: changes carry the system's
 * own id as source reference, writes are confirmed before they are repeated.
 */
export class ConnectorSession {
  private system?: { profileId: string; connector: SystemConnector };

  constructor(
    readonly config: ConnectorConfig,
    private readonly owner: string,
    private readonly ports: ConnectorPorts,
    private readonly resume: ResumePoint,
    private readonly leaseMs: number,
  ) {}

  private get participantId(): string {
    return this.config.participantId;
  }

  /** One round; true when more is waiting than one round takes. */
  async cycle(): Promise<boolean> {
    await this.ports.states.renew(this.participantId, this.owner, this.leaseMs);
    const active = await this.ports.profiles.active(this.participantId);
    if (!active) throw new ConnectorFault('no-profile', `participant ${this.participantId} has no active mapping profile`);
    const system = this.systemFor(active);
    if (this.resume.pendingWrite) await this.recover(system, active, this.resume.pendingWrite);
    const moreIn = await this.readChanges(system, active);
    const moreOut = await this.writeEvents(system, active);
    await this.ports.states.succeeded(this.participantId, this.owner);
    return moreIn || moreOut;
  }

  private systemFor(active: ActiveProfile): SystemConnector {
    if (this.system?.profileId !== active.profileId)
      this.system = { profileId: active.profileId, connector: this.ports.systemFor(this.config, active.profile) };
    return this.system.connector;
  }

  private async readChanges(system: SystemConnector, active: ActiveProfile): Promise<boolean> {
    const result = await system.poll(this.resume.watermark);
    let applied = 0;
    let lagMs: number | null = null;
    for (const change of result.changes) {
      if (await this.apply(change, active)) applied++;
      if (change.at) lagMs = Math.max(lagMs ?? 0, Date.now() - change.at.getTime());
    }
    await this.ports.states.polled(this.participantId, this.owner, result.watermark, { applied, echoes: result.echoes, lagMs });
    this.resume.watermark = result.watermark;
    return result.more;
  }

  /** True when the hub changed; a change the hub refuses is skipped (it would be refused again), with the error kept for operators. */
  private async apply(change: SystemChange, active: ActiveProfile): Promise<boolean> {
    try {
      const { outcome } = await this.ports.inbound.receive(this.participantId, change.payload, active, change.sourceRef);
      return outcome !== 'unchanged';
    } catch (e) {
      if (!(e instanceof DomainError)) throw e;
      if (e.code === 'mapping-failed') {
        // A change the profile does not carry (an owner change, a custom field) is not the hub's business.
        if ((e.details.mapping as { code?: string } | undefined)?.code === 'no-matching-rule') return false;
        // Anything else is the profile's fault: stop here until it is fixed, so no change is lost or reordered.
        throw new ConnectorFault('mapping-failed', `${change.sourceRef}: ${e.message}`);
      }
      this.ports.log.warn({ participantId: this.participantId, sourceRef: change.sourceRef, code: e.code }, 'the hub refused a change of the system; skipped');
      await this.ports.states.refused(this.participantId, { cause: 'hub-refused', message: `${change.sourceRef}: ${e.code}: ${e.message}` });
      return false;
    }
  }

  private async writeEvents(system: SystemConnector, active: ActiveProfile): Promise<boolean> {
    if (this.resume.feedCursor === null) await this.skipHistory();
    const page = await this.ports.feed.readEntries(this.participantId, this.resume.feedCursor ?? undefined, FEED_PAGE);
    for (const step of outboundSteps(page.entries)) await this.writeStep(system, active, step);
    return page.entries.length === FEED_PAGE;
  }

  /**
   * A new connector starts at its configuration: the participant's events
   * before it (tickets its system never had) are not written into the
   * system; events after it are, also those that came before its first cycle.
   */
  private async skipHistory(): Promise<void> {
    const since = Date.parse(this.config.configuredAt);
    const before = (item: Record<string, unknown>) => {
      const at = item.occurredAt;
      return typeof at === 'string' && Date.parse(at) < since;
    };
    let cursor: string | undefined;
    pages: for (;;) {
      const page = await this.ports.feed.readEntries(this.participantId, cursor, FEED_PAGE);
      for (const entry of page.entries) {
        if (!before(entry.item)) break pages;
        cursor = entry.cursor;
      }
      if (page.entries.length < FEED_PAGE) break;
    }
    if (cursor) await this.advance(cursor, false);
  }

  private async writeStep(system: SystemConnector, active: ActiveProfile, step: OutboundStep): Promise<void> {
    const request = step.ticketId ? await this.render(active, step) : null;
    if (!request) return this.advance(step.cursor, false);
    const filled = await this.fillExternalId(request, step.ticketId);
    // Renew first, so the lease outlasts the write: a replica that lost it must not write.
    await this.ports.states.renew(this.participantId, this.owner, this.leaseMs);
    const before = await system.before(filled, { eventId: step.eventId, ticketId: step.ticketId });
    const pending: StoredPendingWrite = {
      eventId: step.eventId,
      ticketId: step.ticketId,
      cursor: step.cursor,
      request: filled,
      before,
      startedAt: new Date().toISOString(),
    };
    await this.ports.states.startWrite(this.participantId, this.owner, pending);
    this.resume.pendingWrite = pending;
    await this.finish(active, pending, await system.write(filled));
  }

  private async render(active: ActiveProfile, step: OutboundStep): Promise<NativeRequest | null> {
    try {
      return (await active.profile.outbound(step.event, { participantId: this.participantId })).request;
    } catch (e) {
      if (e instanceof MappingError) throw new ConnectorFault('mapping-failed', `event ${step.eventId}: ${e.message}`);
      throw e;
    }
  }

  /** A write a crash left open: done if the system has it, else written now. */
  private async recover(system: SystemConnector, active: ActiveProfile, pending: StoredPendingWrite): Promise<void> {
    const request = pending.request as NativeRequest;
    const confirmed = await system.confirm(request, pending.before);
    this.ports.log.info({ participantId: this.participantId, eventId: pending.eventId, confirmed: confirmed !== null }, 'connector settles a write left open');
    await this.finish(active, pending, confirmed ?? (await system.write(request)));
  }

  /** The system's answer as the participant (its own ticket number on a create), then the feed goes on. */
  private async finish(active: ActiveProfile, pending: StoredPendingWrite, outcome: WriteOutcome): Promise<void> {
    const profile = active.profile;
    if (profile.readsAnswerOf(pending.request.name)) {
      const { state } = await profile.answer(pending.request.name, outcome.body ?? {}, { participantId: this.participantId });
      if (state) {
        await this.ports.desiredState.set(this.participantId, pending.ticketId, state as TicketStateInput, { sourceRef: `connector-write:${pending.eventId}` });
      }
    }
    await this.advance(pending.cursor, true);
  }

  private async advance(cursor: string, wrote: boolean): Promise<void> {
    await this.ports.states.advanceFeed(this.participantId, this.owner, cursor, wrote);
    this.resume.feedCursor = cursor;
    this.resume.pendingWrite = null;
  }

  private async fillExternalId(request: NativeRequest, ticketId: string): Promise<NativeRequest> {
    if (!request.path.includes('{externalId}')) return request;
    const ticket = await this.ports.tickets.get(this.participantId, ticketId);
    const own = ticket.references.find((p) => p.participantId === this.participantId)?.externalId;
    if (!own) throw new ConnectorFault('external-id-unknown', `ticket ${ticketId} has no number of ${this.participantId}'s system yet`);
    return { ...request, path: request.path.replaceAll('{externalId}', encodeURIComponent(own)) };
  }
}
