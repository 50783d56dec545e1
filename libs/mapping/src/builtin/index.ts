import type { BuiltinProfileId, MappingProfileDocument } from '../profile-document.js';
import { jiraServiceManagementProfile } from './jira-service-management.js';
import { rt5Profile } from './rt5.js';
import { servicenowProfile } from './servicenow.js';
import { tmf621Profile } from './tmf621.js';
import { zammadProfile } from './zammad.js';
import { znunyProfile } from './znuny.js';

/** The built-in profiles a participant's profile may extend (docs/mappings-builtin.md). */
export const BUILTIN_PROFILES: Record<BuiltinProfileId, MappingProfileDocument> = {
  znuny: znunyProfile,
  zammad: zammadProfile,
  'jira-service-management': jiraServiceManagementProfile,
  servicenow: servicenowProfile,
  rt5: rt5Profile,
  tmf621: tmf621Profile,
};
