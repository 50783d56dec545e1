import type { EntityManager } from 'typeorm';

/**
 * Who must know when a participant's delivery endpoint is set or changed:
 * the delivery capability resets the receiver's circuit and backoff and has
 * the new endpoint verified. The registry defines the port; delivery
 * implements it, so the registry writes only its own tables.
 */
export interface EndpointChanges {
  /** In the transaction that writes the new URL (null: the participant polls from now on). */
  changed(em: EntityManager, participantId: string, url: string | null): Promise<void>;
  /** After that commit: start what runs outside the transaction (the handshake). Best effort, never throws. */
  committed(participantId: string, url: string | null): Promise<void>;
}

export const ENDPOINT_CHANGES = Symbol('EndpointChanges');
