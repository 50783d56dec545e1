import type {
  Acknowledgement,
  CancelInput,
  CloseInput,
  CommentInput,
  ForwardInput,
  RejectionInput,
  ReopenInput,
  ResolutionInput,
  StatusChange,
} from '@drehscheibe/contracts';
import { CodelistRegistry } from '@drehscheibe/codelists';
import { assertOpenForContributions, DomainError, transition, type TicketStatus } from '@drehscheibe/domain';
import type { TicketCommentEntity, TicketPartyEntity } from '@drehscheibe/persistence';
import { RegistryDirectory } from '@drehscheibe/registry';
import { explicitTarget } from '@drehscheibe/routing';
import { v7 as uuidv7 } from 'uuid';
import { toCommentView } from './ticket-view.js';
import { Injectable } from '@nestjs/common';
import { TicketCommandRunner, type CommandResult, type ExpectedVersions } from './ticket-command-runner.js';

const withNote = (note: string | undefined) => (note ? { note } : {});

/** The lifecycle operations on an existing ticket (DESIGN.md section 5). */
@Injectable()
export class TicketCommands {
  constructor(
    private readonly runner: TicketCommandRunner,
    private readonly codelists: CodelistRegistry,
    private readonly directory: RegistryDirectory,
  ) {}

  /** The assignee confirms receipt and links its own ticket number. */
  acknowledge(actorId: string, ticketId: string, input: Acknowledgement, version?: ExpectedVersions): Promise<CommandResult> {
    return this.runner.run(actorId, ticketId, version, async ({ tx, ticket, parties, roles }) => {
      const own = parties.find((p) => p.participantId === actorId);
      if (ticket.status === 'acknowledged' && roles.isAssignee && own?.externalId === input.externalId) return null;
      const previousStatus = ticket.status;
      ticket.status = transition(ticket.status as TicketStatus, 'acknowledge', roles);
      await tx.setExternalId(ticketId, actorId, input.externalId);
      if (own) own.externalId = input.externalId;
      return { type: 'ticket.acknowledged', data: { status: ticket.status, previousStatus, externalId: input.externalId, ...withNote(input.note) } };
    });
  }

  /** `in_progress` or `waiting` (a question to the other side). */
  changeStatus(actorId: string, ticketId: string, input: StatusChange, version?: ExpectedVersions): Promise<CommandResult> {
    return this.runner.run(actorId, ticketId, version, ({ ticket, roles }) => {
      if (ticket.status === input.status && roles.isAssignee) return null;
      const previousStatus = ticket.status;
      ticket.status = transition(ticket.status as TicketStatus, input.status === 'waiting' ? 'wait' : 'start', roles);
      return {
        type: 'ticket.status_changed',
        data: { status: ticket.status, previousStatus, ...(input.reason ? { reason: input.reason } : {}) },
      };
    });
  }

  /** Resolution returns the ticket to its origin (assignee = origin). */
  resolve(actorId: string, ticketId: string, input: ResolutionInput, version?: ExpectedVersions): Promise<CommandResult> {
    if (!this.codelists.has('resolution-code', input.code)) {
      throw new DomainError('unknown-code', `resolution code ${input.code} is not in codelist resolution-code`, {
        errors: [{ pointer: '/body/code', message: 'is not in codelist resolution-code' }],
      });
    }
    return this.runner.run(actorId, ticketId, version, ({ ticket, roles, now }) => {
      const previousStatus = ticket.status;
      ticket.status = transition(ticket.status as TicketStatus, 'resolve', roles);
      ticket.resolution = { code: input.code, text: input.text, resolvedAt: now.toISOString(), resolvedBy: actorId };
      ticket.resolvedAt = now;
      ticket.resolverId = actorId;
      ticket.senderId = actorId;
      ticket.assigneeId = ticket.originId;
      return { type: 'ticket.resolved', data: { status: ticket.status, previousStatus, resolution: ticket.resolution } };
    });
  }

  /** The origin closes after informing the citizen. */
  close(actorId: string, ticketId: string, input: CloseInput, version?: ExpectedVersions): Promise<CommandResult> {
    return this.runner.run(actorId, ticketId, version, ({ ticket, roles, now }) => {
      if (ticket.status === 'closed' && roles.isOrigin) return null;
      const previousStatus = ticket.status;
      ticket.status = transition(ticket.status as TicketStatus, 'close', roles);
      ticket.closedAt = now;
      return { type: 'ticket.closed', data: { status: ticket.status, previousStatus, ...withNote(input.note) } };
    });
  }

  /** The origin reopens; the ticket goes back to whoever resolved it. */
  reopen(actorId: string, ticketId: string, input: ReopenInput, version?: ExpectedVersions): Promise<CommandResult> {
    return this.runner.run(actorId, ticketId, version, ({ ticket, roles }) => {
      const previousStatus = ticket.status;
      ticket.status = transition(ticket.status as TicketStatus, 'reopen', roles);
      ticket.assigneeId = ticket.resolverId ?? ticket.assigneeId;
      ticket.senderId = actorId;
      ticket.closedAt = null;
      ticket.resolution = null;
      ticket.resolvedAt = null;
      return {
        type: 'ticket.reopened',
        data: { status: ticket.status, previousStatus, reason: input.reason, assignee: { participantId: ticket.assigneeId } },
      };
    });
  }

  /** The assignee declines responsibility; the ticket goes back to whoever sent it. */
  reject(actorId: string, ticketId: string, input: RejectionInput, version?: ExpectedVersions): Promise<CommandResult> {
    return this.runner.run(actorId, ticketId, version, ({ ticket, roles }) => {
      const previousStatus = ticket.status;
      ticket.status = transition(ticket.status as TicketStatus, 'reject', roles);
      const returnTo = ticket.senderId ?? ticket.originId;
      ticket.senderId = actorId;
      ticket.assigneeId = returnTo;
      return { type: 'ticket.rejected', data: { status: ticket.status, previousStatus, reason: input.reason, assignee: { participantId: returnTo } } };
    });
  }

  /**
   * Hands the ticket to another participant (multi-hop, or re-routing after a
   * rejection). Everyone involved so far stays a party: read access and updates.
   */
  forward(actorId: string, ticketId: string, input: ForwardInput, version?: ExpectedVersions): Promise<CommandResult> {
    return this.runner.run(actorId, ticketId, version, async ({ tx, ticket, parties, endpoints, roles, now }) => {
      const previousStatus = ticket.status;
      ticket.status = transition(ticket.status as TicketStatus, 'forward', roles);
      const target = await this.directory.participant(input.participantId);
      const targetId = explicitTarget(actorId, input.participantId, target);
      endpoints.set(targetId, target?.deliveryUrl ?? null);
      if (!parties.some((p) => p.participantId === targetId)) {
        // It joins with this change's event (the version the runner is about to write): its deliveries and feed start there.
        const party: TicketPartyEntity = { ticketId, participantId: targetId, externalId: null, joinedAt: now, joinedVersion: ticket.version + 1 };
        await tx.addParty(party);
        parties.push(party);
      }
      ticket.senderId = actorId;
      ticket.assigneeId = targetId;
      return {
        type: 'ticket.forwarded',
        data: { status: ticket.status, previousStatus, assignee: { participantId: targetId }, ...withNote(input.note) },
      };
    });
  }

  /** The origin withdraws the request. */
  cancel(actorId: string, ticketId: string, input: CancelInput, version?: ExpectedVersions): Promise<CommandResult> {
    return this.runner.run(actorId, ticketId, version, ({ ticket, roles }) => {
      if (ticket.status === 'cancelled' && roles.isOrigin) return null;
      const previousStatus = ticket.status;
      ticket.status = transition(ticket.status as TicketStatus, 'cancel', roles);
      return { type: 'ticket.cancelled', data: { status: ticket.status, previousStatus, reason: input.reason } };
    });
  }

  /**
   * A comment. Internal ones are notes for the author's organisation: stored,
   * shown only to it, no event, no version change. A public comment by the
   * other side while the ticket waits for information is the answer: the
   * ticket goes back to `in_progress`. A closed or cancelled ticket takes no
   * comments (`assertOpenForContributions`).
   */
  comment(actorId: string, ticketId: string, input: CommentInput, version?: ExpectedVersions): Promise<CommandResult> {
    return this.runner.run(actorId, ticketId, version, async ({ tx, ticket, comments, roles, now }) => {
      assertOpenForContributions(ticket.status as TicketStatus, roles, 'comments');
      const comment: TicketCommentEntity = {
        id: uuidv7(),
        ticketId,
        authorId: actorId,
        visibility: input.visibility ?? 'public',
        text: input.text,
        createdAt: now,
      };
      await tx.addComment(comment);
      comments.push(comment);
      if (comment.visibility === 'internal') return null;
      const data: Record<string, unknown> = { comment: toCommentView(comment) };
      if (ticket.status === 'waiting' && !roles.isAssignee) {
        data.previousStatus = ticket.status;
        ticket.status = transition(ticket.status, 'answer', roles);
        data.status = ticket.status;
      }
      return { type: 'ticket.comment_added', data };
    });
  }
}
