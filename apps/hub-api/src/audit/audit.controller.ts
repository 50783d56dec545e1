import { AuditProofs, type AuditProof, type CheckpointView } from '@drehscheibe/audit';
import { Controller, Get, Param, Query } from '@nestjs/common';
import { ProblemError } from '../http/problem.js';
import { queryInteger, type RawQuery } from '../http/query.js';
import { CallerParticipant } from '../http/request-context.js';

const DEFAULT_CHECKPOINTS = 20;

/** The tamper-evident audit from outside: signed checkpoints, and a ticket's proof against one. */
@Controller('v1')
export class AuditController {
  constructor(private readonly proofs: AuditProofs) {}

  @Get('audit/checkpoints')
  async checkpoints(@Query() query: RawQuery): Promise<{ items: CheckpointView[] }> {
    return { items: await this.proofs.checkpoints(queryInteger(query, 'before'), queryInteger(query, 'limit') ?? DEFAULT_CHECKPOINTS) };
  }

  @Get('tickets/:ticketId/audit-proof')
  async proof(@CallerParticipant() caller: string, @Param('ticketId') ticketId: string, @Query() query: RawQuery): Promise<AuditProof> {
    const proof = await this.proofs.forTicket(ticketId, caller, queryInteger(query, 'checkpoint'));
    if ('notCheckpointed' in proof) {
      throw new ProblemError(
        'not-checkpointed',
        `no checkpoint covers ticket ${ticketId} yet; the next is due within ${proof.retryAfterSeconds} s`,
        {},
        { 'retry-after': String(proof.retryAfterSeconds) },
      );
    }
    return proof;
  }
}
