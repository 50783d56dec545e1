import type { EntityManager } from 'typeorm';

/**
 * What another capability keeps about a participant, asked for inside the
 * transaction that removes it: the owner of those tables counts them, and
 * deletes what may go with the participant. The registry defines the port;
 * tickets and notices implement it, so the registry touches only its own tables.
 */
export interface ParticipantReferences {
  /** The key in the `participant-in-use` answer's `references`, e.g. `tickets`. */
  name: string;
  /** References that keep the participant (history): removal is refused while any exist. */
  count(em: EntityManager, participantId: string): Promise<number>;
  /** Deletes what goes with the participant (wishes, not history), after the counts allowed it. */
  release?(em: EntityManager, participantId: string): Promise<void>;
}

export const PARTICIPANT_REFERENCES = Symbol('ParticipantReferences');
