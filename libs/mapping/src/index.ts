export * from './profile-document.js';
export {
  MappingProfiles,
  InvalidProfileDocumentError,
  mappingParticipantReferences,
  type ActiveProfile,
  type MappingBindingView,
  type ProfileVersionSummary,
  type ProfileVersionView,
} from './profile-store.js';
export { generateInboundSecret, inboundAuthSetting, inboundSecretMatches, type InboundAuth, type InboundAuthSetting } from './inbound-auth.js';
export { ProfileDryRun, type DryRunInput, type DryRunResult } from './dry-run.js';
