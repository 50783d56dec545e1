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
import { assertOpenForContributions, DomainError, type TicketAction, type TicketStatus } from '@drehscheibe/domain';
import { Injectable } from '@nestjs/common';
import { TicketCommandRunner, type CommandContext, type CommandResult, type WriteConditions } from './ticket-command-runner.js';
import { TicketSteps, type StepInput } from './ticket-steps.js';

/**
 * The lifecycle operations on an existing ticket (DESIGN.md section 5), one
 * step each. A repeated operation that would change nothing — the ticket is
 * where this caller's same request already put it — answers the ticket
 * without an event, so retries and two synchronised systems cannot loop.
 */
@Injectable()
export class TicketCommands {
  constructor(
    private readonly runner: TicketCommandRunner,
    private readonly steps: TicketSteps,
    private readonly codelists: CodelistRegistry,
  ) {}

  /** The assignee confirms receipt and links its own ticket number. */
  acknowledge(actorId: string, ticketId: string, input: Acknowledgement, conditions?: WriteConditions): Promise<CommandResult> {
    return this.step(actorId, ticketId, conditions, 'acknowledge', { externalId: input.externalId, text: input.note }, ({ ticket, roles, parties }) => {
      const own = parties.find((p) => p.participantId === actorId);
      return ticket.status === 'acknowledged' && roles.isAssignee && own?.externalId === input.externalId;
    });
  }

  /**
   * `in_progress` or `waiting` (a question to the other side). `in_progress`
   * from the other side of a question is its answer, without words.
   */
  changeStatus(actorId: string, ticketId: string, input: StatusChange, conditions?: WriteConditions): Promise<CommandResult> {
    return this.runner.run(actorId, ticketId, conditions, (ctx) => {
      const { ticket, roles } = ctx;
      if (ticket.status === input.status && (roles.isAssignee || input.status === 'in_progress')) return null;
      const action: TicketAction = input.status === 'waiting' ? 'wait' : ticket.status === 'waiting' && !roles.isAssignee ? 'answer' : 'start';
      return this.steps.take(ctx, action, { text: input.reason });
    });
  }

  /** Resolution returns the ticket to its origin (assignee = origin); the resolver's same resolution again changes nothing. */
  resolve(actorId: string, ticketId: string, input: ResolutionInput, conditions?: WriteConditions): Promise<CommandResult> {
    this.checkResolutionCode(input.code, '/body/code');
    return this.step(actorId, ticketId, conditions, 'resolve', { resolutionCode: input.code, text: input.text }, ({ ticket }) => {
      const r = ticket.resolution;
      return ticket.status === 'resolved' && ticket.resolverId === actorId && r?.code === input.code && r.text === input.text;
    });
  }

  /** The origin closes after informing the citizen. */
  close(actorId: string, ticketId: string, input: CloseInput, conditions?: WriteConditions): Promise<CommandResult> {
    return this.step(actorId, ticketId, conditions, 'close', { text: input.note }, ({ ticket, roles }) => ticket.status === 'closed' && roles.isOrigin);
  }

  /**
   * The origin reopens a resolved or closed ticket; it goes back to whoever
   * resolved it. The resolver may take its own resolution back (`resume`)
   * until the origin closed. A ticket already open again is left as it is.
   */
  reopen(actorId: string, ticketId: string, input: ReopenInput, conditions?: WriteConditions): Promise<CommandResult> {
    return this.runner.run(actorId, ticketId, conditions, (ctx) => {
      const { ticket, roles } = ctx;
      if (ticket.status === 'in_progress' && (roles.isOrigin || roles.isAssignee)) return null;
      const action: TicketAction = !roles.isOrigin && roles.isResolver && ticket.status === 'resolved' ? 'resume' : 'reopen';
      return this.steps.take(ctx, action, { text: input.reason });
    });
  }

  /** The assignee declines responsibility, also after starting work; the ticket goes back to whoever sent it. */
  reject(actorId: string, ticketId: string, input: RejectionInput, conditions?: WriteConditions): Promise<CommandResult> {
    return this.step(
      actorId,
      ticketId,
      conditions,
      'reject',
      { text: input.reason },
      ({ ticket }) => ticket.status === 'rejected' && ticket.senderId === actorId,
    );
  }

  /** Hands the ticket to another participant (multi-hop, or re-routing after a rejection). */
  forward(actorId: string, ticketId: string, input: ForwardInput, conditions?: WriteConditions): Promise<CommandResult> {
    return this.step(
      actorId,
      ticketId,
      conditions,
      'forward',
      { participantId: input.participantId, text: input.note },
      ({ ticket }) => ticket.status === 'forwarded' && ticket.senderId === actorId && ticket.assigneeId === input.participantId,
    );
  }

  /** The origin withdraws the request. */
  cancel(actorId: string, ticketId: string, input: CancelInput, conditions?: WriteConditions): Promise<CommandResult> {
    return this.step(actorId, ticketId, conditions, 'cancel', { text: input.reason }, ({ ticket, roles }) => ticket.status === 'cancelled' && roles.isOrigin);
  }

  /**
   * A comment. Internal ones are notes for the author's organisation: stored,
   * shown only to it, no event, no version change. A public comment by the
   * other side while the ticket waits for information is the answer: two
   * events, the comment and the status change back to `in_progress`. A closed
   * or cancelled ticket takes no comments (`assertOpenForContributions`).
   */
  comment(actorId: string, ticketId: string, input: CommentInput, conditions?: WriteConditions): Promise<CommandResult> {
    return this.runner.run(actorId, ticketId, conditions, async (ctx) => {
      const { ticket, roles } = ctx;
      assertOpenForContributions(ticket.status as TicketStatus, roles, 'comments');
      const added = await this.steps.comment(ctx, input.text, input.visibility ?? 'public');
      if (!added || ticket.status !== 'waiting' || roles.isAssignee) return added;
      ctx.emit(added);
      return this.steps.take(ctx, 'answer', {});
    });
  }

  checkResolutionCode(code: string, pointer: string): void {
    if (!this.codelists.has('resolution-code', code)) {
      throw new DomainError('unknown-code', `resolution code ${code} is not in codelist resolution-code`, {
        errors: [{ pointer, message: 'is not in codelist resolution-code' }],
      });
    }
  }

  /** One step, or nothing when `done` says this caller's same request already took it. */
  private step(
    actorId: string,
    ticketId: string,
    conditions: WriteConditions | undefined,
    action: TicketAction,
    input: StepInput,
    done: (ctx: CommandContext) => boolean,
  ): Promise<CommandResult> {
    return this.runner.run(actorId, ticketId, conditions, (ctx) => (done(ctx) ? null : this.steps.take(ctx, action, input)));
  }
}
