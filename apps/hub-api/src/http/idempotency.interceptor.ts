import { createHash } from 'node:crypto';
import { IdempotencyKeyEntity, isUniqueViolation } from '@drehscheibe/persistence';
import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { from, mergeMap, of, type Observable } from 'rxjs';
import { catchError } from 'rxjs/operators';
import { DataSource } from 'typeorm';
import { ProblemError } from './problem.js';
import type { AuthenticatedRequest } from './request-context.js';

const KEY = /^[\x21-\x7e]{1,200}$/;
/** Response headers worth replaying; everything else is per-response. */
const REPLAYED_HEADERS = ['location', 'etag', 'drehscheibe-receipt'];

/**
 * `Idempotency-Key` on POST: the first successful answer is stored and
 * replayed for a retry with the same key and body; the same key with another
 * body is refused. A failed first attempt stores nothing, so it can be retried.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(private readonly dataSource: DataSource) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest & { rawBody?: Buffer }>();
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
    const requestHash = createHash('sha256')
      .update(`${request.method} ${path}\n`)
      .update(request.rawBody ?? JSON.stringify(request.body ?? null))
      .digest('hex');
    const repo = this.dataSource.getRepository(IdempotencyKeyEntity);

    return from(this.claim(clientId, key, request.method, path, requestHash)).pipe(
      mergeMap((previous) => {
        if (previous) return of(this.replay(previous, requestHash, reply));
        return next.handle().pipe(
          mergeMap(async (body: unknown) => {
            const headers: Record<string, string> = {};
            for (const name of REPLAYED_HEADERS) {
              const value = reply.getHeader(name);
              if (value !== undefined) headers[name] = String(value);
            }
            await repo.update({ clientId, key }, { statusCode: reply.statusCode, responseHeaders: headers, responseBody: JSON.stringify(body) });
            return body;
          }),
          catchError(async (error: unknown) => {
            await repo.delete({ clientId, key });
            throw error;
          }),
        );
      }),
    );
  }

  /** Inserts a placeholder for a new key; returns the stored record for a known one. */
  private async claim(clientId: string, key: string, method: string, path: string, requestHash: string): Promise<IdempotencyKeyEntity | null> {
    try {
      await this.dataSource.manager.insert(IdempotencyKeyEntity, { clientId, key, method, path, requestHash, createdAt: new Date() });
      return null;
    } catch (e) {
      if (!isUniqueViolation(e)) throw e;
      const existing = await this.dataSource.manager.findOneBy(IdempotencyKeyEntity, { clientId, key });
      if (!existing) throw new ProblemError('idempotency-key-in-use', 'retry in a moment');
      return existing;
    }
  }

  private replay(previous: IdempotencyKeyEntity, requestHash: string, reply: FastifyReply): unknown {
    if (previous.requestHash !== requestHash) {
      throw new ProblemError('idempotency-key-reused', 'this Idempotency-Key was used with another request; use a new key for a new request');
    }
    if (previous.statusCode === null) throw new ProblemError('idempotency-key-in-use', 'the first request with this key is still being processed; retry later');
    void reply.status(previous.statusCode).headers({ ...(previous.responseHeaders ?? {}), 'idempotent-replayed': 'true' });
    return JSON.parse(previous.responseBody ?? 'null');
  }
}
