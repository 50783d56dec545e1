export {
  IdempotencyKeys,
  purgeExpiredIdempotencyKeys,
  idempotencyRequesterCopies,
  idempotencyEncryptedColumns,
  type Claim,
  type IdempotencySettings,
  type KeyedRequest,
  type Lease,
  type Outcome,
  type StoredReply,
} from './idempotency-keys.js';
export { outcomeKeyParams, recordOutcome, recordOutcomeCte, runWithIdempotencyKey } from './idempotency-scope.js';
