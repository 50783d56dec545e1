export { eventDocument, type RequestSignatureProof, type StoredEvent } from './event-document.js';
export { canonicalJson } from './canonical-json.js';
export { chainHash, HEX256, sha256, type Hex256 } from './hashes.js';
export { leafHash, MerkleTree, verifyInclusion, type ChainHead } from './merkle-tree.js';
export { checkpointHash, CheckpointSignatureError, signCheckpoint, verifyCheckpoint, type CheckpointClaims, type PublicJwk } from './checkpoint.js';
export { verifyTicketHistory, type DeliveredEvent, type ProofCheck, type TicketAuditProof } from './ticket-proof.js';
