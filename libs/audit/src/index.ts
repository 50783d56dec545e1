export { AuditProofs, type AuditProof, type CheckpointView, type NotCheckpointed, type TicketPartyCheck } from './audit-proofs.js';
export { AuditVerifier, type AuditReport, type BrokenLink } from './audit-verifier.js';
export { CheckpointWriter, CHECKPOINTS_WITH_LEAVES, type CheckpointKey, type CheckpointRun } from './checkpoints.js';
