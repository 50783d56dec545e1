export {
  IdempotencyKeys,
  purgeExpiredIdempotencyKeys,
  type Claim,
  type IdempotencySettings,
  type KeyedRequest,
  type Lease,
  type Outcome,
  type StoredReply,
} from './idempotency-keys.js';
export { currentIdempotencyKey, outcomeKeyParams, recordOutcome, recordOutcomeCte, runWithIdempotencyKey, type IdempotencyScope } from './idempotency-scope.js';
