import type { Violation } from '@drehscheibe/contracts';
import type { CompiledProfile } from './compiled-profile.js';
import { MappingError } from './errors.js';
import type { TraceEntry } from './expressions.js';
import type { MappingProfileDocument } from './profile-document.js';
import type { MappingProfiles } from './profile-store.js';

/** A stored version (`participantId` + `version`) or a posted `document`, run on one sample. */
export type DryRunInput = {
  /** The participant the profile is for (`$participant` in expressions); needed with `version`. */
  participantId?: string;
  version?: number;
  document?: MappingProfileDocument;
  sample: unknown;
} & ({ direction: 'inbound' } | { direction: 'outbound'; eventType: string } | { direction: 'answer'; requestName: string });

export interface DryRunResult {
  /** What the profile made of the sample; null when it was not run or failed. */
  result: unknown;
  /** The document's validation problems; when there are any the sample is not run. */
  violations: Violation[];
  /** Which expressions and value maps fired, in order. */
  trace: TraceEntry[];
  /** Why the mapping failed, as the hub would answer or record it. */
  error?: { code: MappingError['code']; pointer: string; detail: string; violations?: Violation[] };
}

/** The participant id expressions see when a posted document is run for nobody in particular. */
const DRY_RUN_PARTICIPANT = 'dry-run';

/**
 * Runs a profile on a sample without changing anything: what administrators
 * try before saving or activating a version.
 */
export class ProfileDryRun {
  constructor(private readonly profiles: MappingProfiles) {}

  async run(input: DryRunInput): Promise<DryRunResult> {
    let profile: CompiledProfile;
    if (input.document !== undefined) {
      const violations = this.profiles.mappingEngine.validate(input.document);
      if (violations.length > 0) return { result: null, violations, trace: [] };
      profile = this.profiles.mappingEngine.compile(input.document);
    } else {
      const stored = await this.profiles.version(input.participantId ?? '', input.version ?? 0);
      profile = await this.profiles.byProfileId(stored.id);
    }
    const ctx = { participantId: input.participantId ?? DRY_RUN_PARTICIPANT };
    try {
      switch (input.direction) {
        case 'inbound': {
          const { trace, ...result } = await profile.inbound(input.sample, ctx, { trace: true });
          return { result, violations: [], trace: trace ?? [] };
        }
        case 'outbound': {
          const body = (input.sample ?? {}) as Record<string, unknown>;
          const { trace, request } = await profile.outbound({ type: input.eventType, body }, ctx, { trace: true });
          return { result: request, violations: [], trace: trace ?? [] };
        }
        case 'answer': {
          const { trace, state } = await profile.answer(input.requestName, input.sample, ctx, { trace: true });
          return { result: state, violations: [], trace: trace ?? [] };
        }
      }
    } catch (e) {
      if (!(e instanceof MappingError)) throw e;
      return {
        result: null,
        violations: [],
        trace: [],
        error: { code: e.code, pointer: e.pointer, detail: e.message, ...(e.violations.length > 0 ? { violations: e.violations } : {}) },
      };
    }
  }
}
