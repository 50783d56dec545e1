import type { NativeRequest } from '@drehscheibe/mapping';

/** One logical change in a participant's system, ready for the inbound rules of its profile. */
export interface SystemChange {
  /** The system's own id for the change (e.g. RT's transaction id): the hub's Source-Ref, so a replay changes nothing. */
  sourceRef: string;
  /** What the profile's inbound rules read. */
  payload: unknown;
  /** When the system recorded it (for the connector's lag). */
  at?: Date;
}

export interface PollResult {
  /** Settled changes, oldest first; the hub's own writes there (echoes) are left out already. */
  changes: SystemChange[];
  /** How many of the system's records were the hub's own writes or reactions to them. */
  echoes: number;
  /** Where the next poll starts once these changes are applied. */
  watermark: Record<string, unknown>;
  /** More is waiting than one poll returns: poll again at once. */
  more: boolean;
}

/** The hub's side of a write: the event it renders and its ticket. */
export interface WriteContext {
  eventId: string;
  ticketId: string;
}

/** What the system answered to a write. */
export interface WriteOutcome {
  status: number;
  body: unknown;
}

/**
 * One participant's ticket system, as the connector runtime drives it: read
 * its changes since a watermark, write the hub's events, and say after a
 * crash whether a write that was started reached it.
 */
export interface SystemConnector {
  poll(watermark: Record<string, unknown> | null): Promise<PollResult>;
  /** What the system looks like before a write (stored with the pending write, for `confirm`). */
  before(request: NativeRequest, context: WriteContext): Promise<Record<string, unknown>>;
  /** The native request with `{externalId}` filled in already. Throws SystemError when it was not taken. */
  write(request: NativeRequest): Promise<WriteOutcome>;
  /** After a crash: the outcome of the pending write if it reached the system, null if it did not. */
  confirm(request: NativeRequest, before: Record<string, unknown>): Promise<WriteOutcome | null>;
}

/** The system could not be reached or refused: `reason` is what operators see. */
export class SystemError extends Error {
  constructor(
    readonly reason: 'system-unreachable' | 'system-refused' | 'system-answer-invalid',
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'SystemError';
  }
}
