import { transition, type TicketAction, type TicketStatus } from '@drehscheibe/domain';
import type { ResolutionRecord, TicketCommentEntity, TicketPartyEntity } from '@drehscheibe/persistence';
import { explicitTarget } from '@drehscheibe/routing';
import { Injectable } from '@nestjs/common';
import { v7 as uuidv7 } from 'uuid';
import type { ChangeOutcome, CommandContext } from './ticket-command-runner.js';
import { toCommentView } from './ticket-view.js';

/** The words and choices a step takes; each step reads the ones it needs. */
export interface StepInput {
  /** Reason, question, answer or note, as the step calls it. */
  text?: string;
  externalId?: string;
  resolutionCode?: string;
  /** Where `forward` sends the ticket. */
  participantId?: string;
}

const optional = <K extends string>(key: K, value: string | undefined) => (value ? ({ [key]: value } as Record<K, string>) : {});

/**
 * Each lifecycle step as a change to the loaded ticket and the event that
 * records it. The imperative commands take one step; the desired-state
 * command takes the planned sequence. Checks of the state machine happen
 * here (`transition`), input checks before (in the commands).
 */
@Injectable()
export class TicketSteps {
  async take(ctx: CommandContext, action: TicketAction, input: StepInput): Promise<ChangeOutcome> {
    const { ticket, roles } = ctx;
    const previousStatus = ticket.status;
    ticket.status = transition(ticket.status as TicketStatus, action, roles);
    const moved = { status: ticket.status, previousStatus };
    switch (action) {
      case 'acknowledge': {
        const externalId = input.externalId!;
        await ctx.tx.setExternalId(ticket.id, ctx.actorId, externalId);
        const own = ctx.parties.find((p) => p.participantId === ctx.actorId);
        if (own) own.externalId = externalId;
        return { type: 'ticket.acknowledged', data: { ...moved, externalId, ...optional('note', input.text) } };
      }
      case 'start':
      case 'wait':
        return { type: 'ticket.status_changed', data: { ...moved, ...optional('reason', input.text) } };
      case 'answer':
        return { type: 'ticket.status_changed', data: { ...moved, answered: true, ...optional('reason', input.text) } };
      case 'resolve': {
        const resolution: ResolutionRecord = { code: input.resolutionCode!, text: input.text!, resolvedAt: ctx.now.toISOString(), resolvedBy: ctx.actorId };
        ticket.resolution = resolution;
        ticket.resolvedAt = ctx.now;
        ticket.resolverId = ctx.actorId;
        ticket.senderId = ctx.actorId;
        ticket.assigneeId = ticket.originId;
        return { type: 'ticket.resolved', data: { ...moved, resolution } };
      }
      case 'close':
        ticket.closedAt = ctx.now;
        return { type: 'ticket.closed', data: { ...moved, ...optional('note', input.text) } };
      case 'reopen':
      case 'resume':
        ticket.assigneeId = ticket.resolverId ?? ticket.assigneeId;
        ticket.senderId = ctx.actorId;
        ticket.closedAt = null;
        ticket.resolution = null;
        ticket.resolvedAt = null;
        return { type: 'ticket.reopened', data: { ...moved, reason: input.text!, assignee: { participantId: ticket.assigneeId } } };
      case 'reject': {
        const returnTo = ticket.senderId ?? ticket.originId;
        ticket.senderId = ctx.actorId;
        ticket.assigneeId = returnTo;
        return { type: 'ticket.rejected', data: { ...moved, reason: input.text!, assignee: { participantId: returnTo } } };
      }
      case 'forward':
        return this.forward(ctx, input, moved);
      case 'cancel':
        return { type: 'ticket.cancelled', data: { ...moved, reason: input.text! } };
    }
  }

  /**
   * Hands the ticket to another participant (multi-hop, or re-routing after a
   * rejection). Everyone involved so far stays a party: read access and updates.
   */
  private async forward(ctx: CommandContext, input: StepInput, moved: { status: string; previousStatus: string }): Promise<ChangeOutcome> {
    const { ticket, parties } = ctx;
    const target = await ctx.tx.participant(input.participantId!);
    const targetId = explicitTarget(ctx.actorId, input.participantId!, target);
    ctx.endpoints.set(targetId, target?.deliveryUrl ?? null);
    if (!parties.some((p) => p.participantId === targetId)) {
      // It joins with this step's event (the version about to be written): its deliveries and feed start there.
      const party: TicketPartyEntity = { ticketId: ticket.id, participantId: targetId, externalId: null, joinedAt: ctx.now, joinedVersion: ticket.version + 1 };
      await ctx.tx.addParty(party);
      parties.push(party);
    }
    ticket.senderId = ctx.actorId;
    ticket.assigneeId = targetId;
    return { type: 'ticket.forwarded', data: { ...moved, assignee: { participantId: targetId }, ...optional('note', input.text) } };
  }

  /** A public or internal comment, stored; the event for a public one. */
  async comment(ctx: CommandContext, text: string, visibility: 'public' | 'internal'): Promise<ChangeOutcome | null> {
    const comment: TicketCommentEntity = { id: uuidv7(), ticketId: ctx.ticket.id, authorId: ctx.actorId, visibility, text, createdAt: ctx.now };
    await ctx.tx.addComment(comment);
    ctx.comments.push(comment);
    return visibility === 'internal' ? null : { type: 'ticket.comment_added', data: { comment: toCommentView(comment) } };
  }
}
