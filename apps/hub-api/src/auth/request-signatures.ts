import { ClientKeyRegistry, ClientStatusCache } from '@drehscheibe/registry';
import { RequestSignatureError, RequestSignatureVerifier, type Principal } from '@drehscheibe/security';
import { Injectable } from '@nestjs/common';
import { ProblemError } from '../http/problem.js';
import type { AuthenticatedRequest } from '../http/request-context.js';
import type { RequestWithRawBody } from '../http/request-parsing.js';

export const SIGNATURE_HEADER = 'drehscheibe-signature';
const WRITES = new Set(['POST', 'PUT', 'PATCH']);

/** A request whose signature is checked: the principal, the exact body, and where the verified proof goes. */
export type SignedHttpRequest = AuthenticatedRequest & RequestWithRawBody;

/**
 * `Drehscheibe-Signature` on a participant's writes: a signature sent is
 * always verified (against the calling client's registered keys, over the
 * exact body bytes); none is refused when the participant's policy says
 * `required`. The verified proof is left on the request for the handler,
 * which passes it to its use case as data. Runs before the contract and the
 * Idempotency-Key: a refused request claims no key and changes nothing.
 */
@Injectable()
export class RequestSignatures {
  constructor(
    private readonly verifier: RequestSignatureVerifier,
    private readonly keys: ClientKeyRegistry,
    private readonly clients: ClientStatusCache,
  ) {}

  async check(request: SignedHttpRequest, principal: Principal): Promise<void> {
    if (!principal.participantId || !WRITES.has(request.method)) return;
    const header = request.headers[SIGNATURE_HEADER];
    if (header === undefined) {
      // Read moments ago by the token check: the policy comes from the same cached client state.
      if ((await this.clients.get(principal.clientId))?.requestSigning === 'required') {
        throw new ProblemError('signature-required', `participant ${principal.participantId} must sign its writes: send Drehscheibe-Signature`);
      }
      return;
    }
    if (typeof header !== 'string') throw new ProblemError('signature-invalid', 'send one Drehscheibe-Signature header');
    try {
      const { proof } = await this.verifier.verify({
        signature: header,
        body: request.rawBody ?? Buffer.alloc(0),
        method: request.method,
        pathAndQuery: request.url,
        clientId: principal.clientId,
        key: (kid) => this.keys.publicKey(principal.clientId, kid),
      });
      request.requestSignature = proof;
    } catch (e) {
      if (e instanceof RequestSignatureError) throw new ProblemError(e.code, e.message);
      throw e;
    }
  }
}
