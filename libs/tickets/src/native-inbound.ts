import type { CommentInput, TicketCreate, TicketStateInput } from '@drehscheibe/contracts';
import { DomainError } from '@drehscheibe/domain';
import { MappingError, type ActiveProfile, type InboundAuth } from '@drehscheibe/mapping';
import type { CreateTicket } from './create-ticket.usecase.js';
import type { DesiredState } from './desired-state.js';
import type { TicketCommands } from './ticket-commands.js';
import type { TicketQueries } from './ticket-queries.js';

/** Where native messages find their participant's active profile and inbound credential (the profile store). */
export interface InboundProfiles {
  active(participantId: string): Promise<ActiveProfile | null>;
  inboundAuth(participantId: string): Promise<InboundAuth | null>;
}

export interface InboundOutcome {
  operation: 'createTicket' | 'setTicketState' | 'addComment';
  rule: string;
  ticketId: string;
  ticketVersion: number;
  /** `created` (201), `changed`, or `unchanged` (a replay, or the ticket was there already). */
  outcome: 'created' | 'changed' | 'unchanged';
  profileVersion: number;
}

/**
 * A participant's native message: mapped by its active profile, then the
 * same use case the canonical API runs, as that participant. A replayed
 * create answers the existing ticket, a replayed change its Source-Ref
 * outcome: systems that resend on any doubt change nothing twice.
 */
export class NativeInbound {
  constructor(
    private readonly profiles: InboundProfiles,
    private readonly create: CreateTicket,
    private readonly commands: TicketCommands,
    private readonly desiredState: DesiredState,
    private readonly queries: TicketQueries,
  ) {}

  /** `sourceRef`: the change's id where the caller knows it (a connector), for profiles whose rules name none. */
  async receive(participantId: string, payload: unknown, profile: ActiveProfile, sourceRef?: string): Promise<InboundOutcome> {
    let mapped;
    try {
      mapped = await profile.profile.inbound(payload, { participantId });
    } catch (e) {
      if (!(e instanceof MappingError)) throw e;
      throw new DomainError('mapping-failed', e.message, {
        mapping: { code: e.code, pointer: e.pointer, profileVersion: profile.version },
        ...(e.violations.length ? { violations: e.violations } : {}),
      });
    }
    const base = { operation: mapped.operation, rule: mapped.rule, profileVersion: profile.version };
    const ref = mapped.sourceRef ?? sourceRef;
    const conditions = ref === undefined ? undefined : { sourceRef: ref };
    switch (mapped.operation) {
      case 'createTicket':
        try {
          const ticket = await this.create.execute(participantId, mapped.body as TicketCreate);
          return { ...base, ticketId: ticket.id, ticketVersion: ticket.version, outcome: 'created' };
        } catch (e) {
          // The system sent its create again: the ticket it made then is the answer.
          const existing = e instanceof DomainError && e.code === 'duplicate-external-id' ? e.details.ticketId : undefined;
          if (typeof existing !== 'string') throw e;
          const ticket = await this.queries.get(participantId, existing);
          return { ...base, ticketId: ticket.id, ticketVersion: ticket.version, outcome: 'unchanged' };
        }
      case 'setTicketState': {
        const ticketId = await this.queries.idByOwnExternalId(participantId, mapped.ticket!);
        const result = await this.desiredState.set(participantId, ticketId, mapped.body as TicketStateInput, conditions);
        return { ...base, ticketId, ticketVersion: result.ticket.version, outcome: result.changed ? 'changed' : 'unchanged' };
      }
      case 'addComment': {
        const ticketId = await this.queries.idByOwnExternalId(participantId, mapped.ticket!);
        const result = await this.commands.comment(participantId, ticketId, mapped.body as CommentInput, conditions);
        // An internal comment is stored without an event: changed unless it was a replay.
        return { ...base, ticketId, ticketVersion: result.ticket.version, outcome: result.sourceRef === 'already-applied' ? 'unchanged' : 'changed' };
      }
    }
  }
}
