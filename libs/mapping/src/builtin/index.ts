import type { BuiltinProfileId, MappingProfileDocument } from '../profile-document.js';

/** The built-in profiles a participant's profile may extend. */
export const BUILTIN_PROFILES: Partial<Record<BuiltinProfileId, MappingProfileDocument>> = {};
