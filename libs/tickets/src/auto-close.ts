import { periodSeconds } from '@drehscheibe/config';
import { TicketCommandRunner, type ChangeOutcome, type CommandContext } from './ticket-command-runner.js';
import { TicketStore } from './ticket-store.js';

/** The hub-wide part of the auto-close policy; each service may set its own period. */
export interface AutoClosePolicy {
  /** For services without a period (ISO 8601 duration); `P0D`: never. */
  defaultAfter: string;
  /** Tickets closed per run at most; the rest wait for the next run. */
  batchSize: number;
}

/** What one run did. */
export interface AutoCloseRun {
  /** Tickets found due. */
  due: number;
  /** Tickets this run closed (a ticket another run or a party changed first is not counted). */
  closed: number;
}

/**
 * The auto-close step: a resolved ticket whose period (the service's, else
 * the hub's default) has passed since its resolution closes, with a
 * `ticket.closed` that says so. Checked under the ticket's lock, so a reopen
 * (or a close by the origin, or another run) in between wins: then nothing.
 */
export function autoCloseStep(ctx: CommandContext, defaultAfter: string): ChangeOutcome | null {
  const { ticket } = ctx;
  const after = ctx.service.autoCloseAfter ?? defaultAfter;
  const seconds = periodSeconds(after);
  if (ticket.status !== 'resolved' || !ticket.resolvedAt || seconds === 0) return null;
  if (ticket.resolvedAt.getTime() + seconds * 1000 > ctx.now.getTime()) return null;
  ticket.status = 'closed';
  ticket.closedAt = ctx.now;
  return { type: 'ticket.closed', data: { status: 'closed', previousStatus: 'resolved', autoClosed: true, after } };
}

/**
 * Closes resolved tickets whose auto-close period has passed, each in its own
 * transaction through the command runner as the hub itself (`drehscheibe`),
 * so every party gets the event and its delivery. Several workers may run it
 * at once: the ticket's lock and the check in `autoCloseStep` close each
 * ticket once. Wired by hand in the worker.
 */
export class AutoClose {
  constructor(
    private readonly store: TicketStore,
    private readonly runner: TicketCommandRunner,
    private readonly policy: AutoClosePolicy,
  ) {}

  async runOnce(): Promise<AutoCloseRun> {
    const due = await this.store.dueForAutoClose(this.policy.defaultAfter, new Date(), this.policy.batchSize);
    let closed = 0;
    for (const ticketId of due) {
      const result = await this.runner.runAsHub(ticketId, (ctx) => autoCloseStep(ctx, this.policy.defaultAfter));
      if (result.changed) closed += 1;
    }
    return { due: due.length, closed };
  }
}
