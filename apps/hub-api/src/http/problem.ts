import type { DomainErrorCode } from '@drehscheibe/domain';

/** Every problem code the API answers with, and its one HTTP status. */
export type ProblemCode =
  | DomainErrorCode
  | 'malformed-request'
  | 'validation-failed'
  | 'unauthorized'
  | 'invalid-client'
  | 'certificate-mismatch'
  | 'signature-invalid'
  | 'signature-replayed'
  | 'signature-required'
  | 'payload-too-large'
  | 'unsupported-media-type'
  | 'method-not-allowed'
  | 'uri-too-long'
  | 'headers-too-large'
  | 'request-timeout'
  | 'idempotency-key-reused'
  | 'idempotency-key-in-use'
  | 'consumer-leased'
  | 'lease-not-held'
  | 'too-many-requests'
  | 'internal-error'
  | 'service-unavailable';

const STATUS: Record<ProblemCode, number> = {
  'malformed-request': 400,
  'validation-failed': 400,
  unauthorized: 401,
  'invalid-client': 401,
  'certificate-mismatch': 401,
  'signature-invalid': 401,
  'signature-replayed': 401,
  'signature-required': 401,
  forbidden: 403,
  'not-found': 404,
  'method-not-allowed': 405,
  'request-timeout': 408,
  'uri-too-long': 414,
  'headers-too-large': 431,
  'illegal-transition': 409,
  'duplicate-external-id': 409,
  'version-mismatch': 412,
  'payload-too-large': 413,
  'unsupported-media-type': 415,
  'unknown-code': 422,
  'unknown-service': 422,
  unroutable: 422,
  'invalid-cursor': 400,
  'already-exists': 409,
  'participant-in-use': 409,
  'service-in-use': 409,
  'unknown-participant': 422,
  'endpoint-not-allowed': 422,
  'invalid-rule': 422,
  'attachment-type-not-allowed': 415,
  'attachment-too-large': 413,
  'invalid-attachment': 422,
  'invalid-period': 422,
  'state-input-required': 422,
  'invalid-profile': 422,
  'mapping-failed': 422,
  'invalid-connector': 422,
  'participant-has-endpoint': 409,
  'participant-has-connector': 409,
  'not-checkpointed': 409,
  'no-delivery-secret': 409,
  'invalid-client-key': 422,
  'wrong-auth-method': 409,
  'unknown-identity-provider': 422,
  'invalid-subject-dn': 422,
  'idempotency-key-reused': 422,
  'idempotency-key-in-use': 409,
  'consumer-leased': 409,
  'lease-not-held': 409,
  'too-many-requests': 429,
  'internal-error': 500,
  'service-unavailable': 503,
};

const TITLE: Record<ProblemCode, string> = {
  'malformed-request': 'The request is not well-formed',
  'validation-failed': 'The request does not match the API contract',
  unauthorized: 'Authentication required',
  'invalid-client': 'Client authentication failed',
  'certificate-mismatch': 'The access token is bound to another client certificate',
  'signature-invalid': 'The request signature is not valid',
  'signature-replayed': 'The request signature was used before',
  'signature-required': 'This participant must sign its requests',
  forbidden: 'Not allowed',
  'not-found': 'Not found',
  'method-not-allowed': 'Method not allowed',
  'request-timeout': 'The request took too long to arrive',
  'uri-too-long': 'The URI or one of its parameters is too long',
  'headers-too-large': 'The request headers are too large',
  'illegal-transition': 'The ticket cannot make this transition',
  'duplicate-external-id': 'A ticket with this external id exists',
  'version-mismatch': 'The ticket has changed since you read it',
  'payload-too-large': 'The request body is too large',
  'unsupported-media-type': 'Unsupported media type',
  'unknown-code': 'Unknown code',
  'unknown-service': 'Unknown service',
  unroutable: 'The ticket cannot be routed',
  'invalid-cursor': 'Invalid cursor',
  'already-exists': 'An entry with this id exists',
  'participant-in-use': 'The participant is still referenced',
  'service-in-use': 'The service is still referenced',
  'unknown-participant': 'Unknown participant',
  'endpoint-not-allowed': 'The delivery endpoint is not allowed',
  'invalid-rule': 'The routing rule is incomplete',
  'attachment-type-not-allowed': 'This type of file is not accepted',
  'attachment-too-large': 'The file is too large',
  'invalid-attachment': 'The file cannot be attached',
  'invalid-period': 'The period is not valid',
  'state-input-required': 'The desired state needs more input',
  'invalid-profile': 'The mapping profile is not valid',
  'mapping-failed': "The participant's mapping profile cannot translate this message",
  'invalid-connector': 'The connector configuration cannot work',
  'participant-has-endpoint': 'The participant receives webhooks',
  'participant-has-connector': "The hub works the participant's system through a connector",
  'not-checkpointed': 'No audit checkpoint covers this yet',
  'no-delivery-secret': "The participant's deliveries are signed with the hub's key, not a secret",
  'invalid-client-key': 'The key is not one the hub accepts for client authentication',
  'wrong-auth-method': 'The client authenticates another way',
  'unknown-identity-provider': 'No identity provider with this id is registered',
  'invalid-subject-dn': 'The subject distinguished name cannot be read',
  'idempotency-key-reused': 'The Idempotency-Key was used for another request',
  'idempotency-key-in-use': 'A request with this Idempotency-Key is still being processed',
  'consumer-leased': 'Another reader holds this consumer',
  'lease-not-held': "You do not hold this consumer's lease",
  'too-many-requests': 'Too many requests',
  'internal-error': 'Internal error',
  'service-unavailable': 'Service unavailable',
};

export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  correlationId?: string;
  [extension: string]: unknown;
}

export function problem(code: ProblemCode, detail: string | undefined, extensions: Record<string, unknown> = {}): ProblemDocument {
  // Standard members last: an extension can never override them.
  return { ...extensions, type: `urn:drehscheibe:problem:${code}`, title: TITLE[code], status: STATUS[code], ...(detail ? { detail } : {}) };
}

/** Headers a problem carries besides its document: for a duplicate, where the existing ticket is. */
export function problemHeaders(code: ProblemCode, extensions: Record<string, unknown>): Record<string, string> {
  if (code === 'duplicate-external-id' && typeof extensions.ticketId === 'string') return { location: `/v1/tickets/${extensions.ticketId}` };
  return {};
}

/** An error the HTTP layer raises itself (authentication, contract validation). */
export class ProblemError extends Error {
  constructor(
    readonly code: ProblemCode,
    detail: string,
    readonly extensions: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
    this.name = 'ProblemError';
  }
}
