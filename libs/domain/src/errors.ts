/**
 * Domain error codes. Each maps to exactly one HTTP status and problem type
 * (see the hub API's problem mapping); the code is also the stable part of the
 * problem `type` URN.
 */
export type DomainErrorCode =
  | 'not-found'
  | 'forbidden'
  | 'illegal-transition'
  | 'duplicate-external-id'
  | 'version-mismatch'
  | 'unknown-code'
  | 'unknown-service'
  | 'unroutable'
  | 'invalid-cursor'
  | 'already-exists'
  | 'participant-in-use'
  | 'service-in-use'
  | 'unknown-participant'
  | 'endpoint-not-allowed'
  | 'invalid-rule'
  | 'attachment-type-not-allowed'
  | 'attachment-too-large'
  | 'invalid-attachment'
  | 'invalid-period'
  | 'state-input-required'
  | 'invalid-profile'
  | 'mapping-failed'
  | 'invalid-connector'
  | 'participant-has-endpoint'
  | 'participant-has-connector'
  | 'not-checkpointed'
  | 'no-delivery-secret'
  | 'invalid-client-key'
  | 'wrong-auth-method'
  | 'unknown-identity-provider'
  | 'invalid-subject-dn';

export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
    /** Extension members for the problem document (e.g. `allowed`). */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'DomainError';
  }
}
