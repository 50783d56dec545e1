export * from './profile-document.js';
export { MappingEngine } from './engine.js';
export {
  CompiledProfile,
  type InboundResult,
  type OutboundResult,
  type AnswerResult,
  type NativeRequest,
  type MappingContext,
  type MappingOptions,
} from './compiled-profile.js';
export { CompiledPoll, type PollRequest } from './compiled-poll.js';
export { MappingError, InvalidProfileError, type MappingErrorCode } from './errors.js';
export type { TraceEntry } from './expressions.js';
export type { ValueMapUse } from './value-maps.js';
export { BUILTIN_PROFILES } from './builtin/index.js';
export {
  MappingProfiles,
  InvalidProfileDocumentError,
  mappingParticipantReferences,
  mappingEncryptedColumns,
  type MappingBindingView,
  type ProfileVersionSummary,
  type ProfileVersionView,
} from './profile-store.js';
export { generateInboundSecret, inboundAuthSetting, inboundSecretMatches, type InboundAuth, type InboundAuthSetting } from './inbound-auth.js';
export { ProfileDryRun, type DryRunInput, type DryRunResult } from './dry-run.js';
export { ProfileRenderer, type ActiveProfile, type ActiveProfiles, type ProfileRendering } from './profile-renderer.js';
