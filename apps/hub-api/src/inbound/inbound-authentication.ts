import { inboundSecretMatches, type InboundAuth } from '@drehscheibe/mapping';
import type { Principal } from '@drehscheibe/security';
import { ProblemError } from '../http/problem.js';

export interface InboundRequest {
  headers: Record<string, string | string[] | undefined>;
  rawBody: Buffer;
  /** Verifies a bearer token like every other route (`AuthGuard`). */
  bearer: () => Promise<Principal | undefined>;
}

const refused = (detail: string) => new ProblemError('unauthorized', detail, {}, { 'www-authenticate': 'Bearer' });

/**
 * Checks the credential a participant's binding names; without a binding
 * the route takes the hub's bearer tokens only. A token must be the
 * participant's own, with the tickets scope.
 */
export async function authenticateInbound(participantId: string, credential: InboundAuth | null, request: InboundRequest): Promise<void> {
  if (credential === null || credential.kind === 'bearer') {
    const principal = await request.bearer();
    if (!principal) throw refused('send an access token from POST /v1/oauth/token as Authorization: Bearer <token>');
    if (principal.participantId !== participantId || !principal.scopes.includes('tickets')) {
      throw new ProblemError('forbidden', `only participant ${participantId} itself, with the tickets scope, may post its native messages`);
    }
    return;
  }
  const header = request.headers[credential.header.toLowerCase()];
  if (!inboundSecretMatches(credential, typeof header === 'string' ? header : undefined, request.rawBody)) {
    const what = credential.kind === 'hmac' ? 'an HMAC of the body' : 'the shared secret';
    throw refused(`this participant's system authenticates with ${what} in the ${credential.header} header, and it does not match`);
  }
}
