import { IdempotencyKeys, runWithIdempotencyKey, type Lease, type Outcome, type StoredReply } from '@drehscheibe/idempotency';
import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { from, mergeMap, Observable, of } from 'rxjs';
import { catchError } from 'rxjs/operators';
import { TicketOutcomeReplies } from '../tickets/ticket-replies.js';
import { ProblemError } from './problem.js';
import type { AuthenticatedRequest } from './request-context.js';
import type { RequestWithRawBody } from './request-parsing.js';

const KEY = /^[\x21-\x7e]{1,200}$/;
/** Response headers worth replaying; everything else is per-response. */
const REPLAYED_HEADERS = ['location', 'etag', 'drehscheibe-receipt'];

type KeyedHttpRequest = AuthenticatedRequest & RequestWithRawBody;

/**
 * `Idempotency-Key` on POST: the first successful answer is stored
 * (encrypted) and replayed for a retry with the same key and body until the
 * key expires; the same key with another body is refused. A failed request
 * frees its key for a retry. A request that never finished (the API crashed)
 * holds its key only for a short lease; a retry then takes the key over and
 * either answers from the ticket change that request committed, or runs.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(
    private readonly keys: IdempotencyKeys,
    private readonly outcomes: TicketOutcomeReplies,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<KeyedHttpRequest>();
    const key = request.headers['idempotency-key'];
    if (request.method !== 'POST' || key === undefined || !request.principal) return next.handle();
    if (typeof key !== 'string' || !KEY.test(key)) {
      throw new ProblemError('validation-failed', 'Idempotency-Key must be 1 to 200 printable ASCII characters', {
        errors: [{ pointer: '/header/idempotency-key', message: 'must be 1 to 200 printable ASCII characters' }],
      });
    }
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    const clientId = request.principal.clientId;
    const path = request.url.split('?')[0];
    // The exact bytes received (installRequestParsing keeps them for every body, attachments included).
    const body = request.rawBody ?? JSON.stringify(request.body ?? null);

    return from(this.keys.claim({ clientId, key, method: request.method, path, body })).pipe(
      mergeMap((claim) => {
        switch (claim.kind) {
          case 'reused':
            throw new ProblemError('idempotency-key-reused', 'this Idempotency-Key was used with another request; use a new key for a new request');
          case 'in-use':
            throw new ProblemError(
              'idempotency-key-in-use',
              'the first request with this key is still being processed; retry after the time in Retry-After',
              {},
              { 'retry-after': String(claim.retryAfterSeconds) },
            );
          case 'replay':
            return of(this.send(reply, claim.reply));
          case 'outcome':
            return from(this.answerFromOutcome(claim.lease, claim.outcome, request, reply, body));
          case 'run':
            return this.run(claim.lease, next, request, reply, body);
        }
      }),
    );
  }

  private run(lease: Lease, next: CallHandler, request: KeyedHttpRequest, reply: FastifyReply, body: string | Buffer): Observable<unknown> {
    // The handler runs under the key, so the statement that commits its ticket change records the outcome too.
    const handled = new Observable<unknown>((subscriber) =>
      runWithIdempotencyKey({ clientId: lease.clientId, key: lease.key }, () => next.handle().subscribe(subscriber)),
    );
    return handled.pipe(
      mergeMap(async (result: unknown) => {
        const headers: Record<string, string> = {};
        for (const name of REPLAYED_HEADERS) {
          const value = reply.getHeader(name);
          if (value !== undefined) headers[name] = String(value);
        }
        await this.keys.complete(lease, { statusCode: reply.statusCode, headers, body: result });
        return result;
      }),
      catchError(async (error: unknown) => {
        // A change committed under the key (this request's, before it failed; or one that took the key over) is the answer.
        const outcome = await this.keys.release(lease).catch(() => null);
        if (!outcome) throw error;
        return this.answerFromOutcome(lease, outcome, request, reply, body);
      }),
    );
  }

  private async answerFromOutcome(lease: Lease, outcome: Outcome, request: KeyedHttpRequest, reply: FastifyReply, body: string | Buffer): Promise<unknown> {
    const callerId = request.principal!.participantId!;
    const rebuilt = await this.outcomes.reply(request.routeOptions.url ?? '', callerId, outcome, body);
    await this.keys.complete(lease, rebuilt);
    return this.send(reply, rebuilt);
  }

  private send(reply: FastifyReply, stored: StoredReply): unknown {
    void reply.status(stored.statusCode).headers({ ...stored.headers, 'idempotent-replayed': 'true' });
    return stored.body;
  }
}
