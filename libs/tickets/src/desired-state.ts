import type { TicketEventType, TicketStateInput } from '@drehscheibe/contracts';
import { DomainError, operationOf, planTransitions, type TicketAction, type TicketOperation, type TicketStatus } from '@drehscheibe/domain';
import { Injectable } from '@nestjs/common';
import { TicketCommandRunner, type CommandContext, type CommandResult, type WriteConditions } from './ticket-command-runner.js';
import { TicketCommands } from './ticket-commands.js';
import { TicketSteps, type StepInput } from './ticket-steps.js';

/** One step the hub took to reach the desired state. */
export interface AppliedStep {
  action: TicketAction;
  operationId: TicketOperation;
  from: TicketStatus;
  to: TicketStatus;
  /** The version the step's event made, and its type. */
  ticketVersion: number;
  eventType: TicketEventType;
}

export interface StateResult extends CommandResult {
  steps: AppliedStep[];
}

/** Steps whose reason is limited like the imperative operations' `reason`. */
const REASON_STEPS: ReadonlySet<TicketAction> = new Set(['reject', 'reopen', 'resume', 'cancel', 'start', 'wait', 'answer']);
const REASON_MAX = 2000;
/** The steps that cannot be taken without words. */
const TEXT_REQUIRED: ReadonlySet<TicketAction> = new Set(['reject', 'reopen', 'resume', 'cancel', 'resolve']);

function missing(pointer: string, message: string): DomainError {
  return new DomainError('state-input-required', `${pointer.slice('/body/'.length)} ${message}`, { errors: [{ pointer, message }] });
}

/**
 * `PUT /v1/tickets/{id}/state`: a participant says where its ticket is now,
 * and the hub takes the shortest legal sequence of steps there (planned by
 * the state machine), none when it is there already. The text belongs to the
 * last step (the question, the reason, the resolution, the answer). All steps
 * commit together, each with its own event, or none does.
 */
@Injectable()
export class DesiredState {
  constructor(
    private readonly runner: TicketCommandRunner,
    private readonly steps: TicketSteps,
    private readonly commands: TicketCommands,
  ) {}

  async set(actorId: string, ticketId: string, input: TicketStateInput, conditions?: WriteConditions): Promise<StateResult> {
    if (input.resolutionCode !== undefined) this.commands.checkResolutionCode(input.resolutionCode, '/body/resolutionCode');
    const taken: AppliedStep[] = [];
    const result = await this.runner.run(actorId, ticketId, conditions, async (ctx) => {
      const target = input.status as TicketStatus;
      const plan = planTransitions(ctx.ticket.status as TicketStatus, ctx.roles, target);
      for (const [i, action] of plan.entries()) {
        const last = i === plan.length - 1;
        const from = ctx.ticket.status as TicketStatus;
        const stepInput = last ? this.lastStepInput(ctx, action, input) : {};
        if (last && action === 'answer' && input.text !== undefined) {
          // The answer's words are a public comment, recorded before the status change.
          ctx.emit((await this.steps.comment(ctx, input.text, 'public'))!);
          delete stepInput.text;
        }
        const outcome = await this.steps.take(ctx, action, stepInput);
        ctx.emit(outcome);
        taken.push({
          action,
          operationId: operationOf(action),
          from,
          to: ctx.ticket.status as TicketStatus,
          ticketVersion: ctx.ticket.version,
          eventType: outcome.type,
        });
      }
      return null;
    });
    return { ...result, steps: result.sourceRef === 'already-applied' ? [] : taken };
  }

  /** What the last step needs from the request; a clear 422 when something is missing. */
  private lastStepInput(ctx: CommandContext, action: TicketAction, input: TicketStateInput): StepInput {
    if (TEXT_REQUIRED.has(action) && !input.text) throw missing('/body/text', `is required to ${action} the ticket`);
    if (input.text && REASON_STEPS.has(action) && input.text.length > REASON_MAX) {
      throw missing('/body/text', `must NOT have more than ${REASON_MAX} characters to ${action} the ticket`);
    }
    switch (action) {
      case 'acknowledge': {
        const externalId = input.externalId ?? ctx.parties.find((p) => p.participantId === ctx.actorId)?.externalId ?? undefined;
        if (!externalId) throw missing('/body/externalId', 'is required to acknowledge the ticket (your own ticket number)');
        return { externalId, text: input.text };
      }
      case 'resolve':
        if (!input.resolutionCode) throw missing('/body/resolutionCode', 'is required to resolve the ticket');
        return { resolutionCode: input.resolutionCode, text: input.text };
      case 'forward':
        if (!input.assignee) throw missing('/body/assignee', 'is required to forward the ticket');
        return { participantId: input.assignee.participantId, text: input.text };
      default:
        return { text: input.text };
    }
  }
}
