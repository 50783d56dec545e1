import type { Violation } from '@drehscheibe/contracts';

export type MappingErrorCode = 'unmapped-code' | 'no-matching-rule' | 'expression-failed' | 'invalid-result';

/**
 * A message the profile cannot map: a code its value map does not know, no
 * rule that applies, an expression that fails, or a result the canonical API
 * would refuse. `pointer` names the part of the profile (JSON Pointer).
 */
export class MappingError extends Error {
  constructor(
    readonly code: MappingErrorCode,
    readonly pointer: string,
    message: string,
    readonly violations: Violation[] = [],
  ) {
    super(message);
    this.name = 'MappingError';
  }
}

/** A profile that cannot be saved or compiled; every problem with its pointer. */
export class InvalidProfileError extends Error {
  constructor(readonly violations: Violation[]) {
    super(`the mapping profile is invalid: ${violations.map((v) => `${v.pointer} ${v.message}`).join('; ')}`);
    this.name = 'InvalidProfileError';
  }
}
