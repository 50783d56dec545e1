import type { NativeRequestRecord } from '@drehscheibe/persistence';
import type { CompiledProfile } from './compiled-profile.js';
import { MappingError } from './errors.js';

/** A participant's active profile version, as the runtime caches it. */
export interface ActiveProfile {
  profileId: string;
  version: number;
  profile: CompiledProfile;
}

/** Where the renderer finds the active profiles (the profile store, cached per process). */
export interface ActiveProfiles {
  activeMany(participantIds: string[]): Promise<ReadonlyMap<string, ActiveProfile>>;
}

/** Shaped like the outbox's RenderedMessage (the outbox is a sibling library; the app plugs this in as its DeliveryRenderer). */
export interface ProfileRendering {
  payload: string;
  profileId: string;
  request: NativeRequestRecord;
}

/**
 * Renders canonical ticket events as each receiver's own system expects
 * them, with its active mapping profile. Receivers without one get the
 * canonical JSON; an event the profile has no request for is not delivered.
 * A mapping error does not stop the change: the receiver's delivery carries
 * the error and fails at once, for an operator to see.
 */
export class ProfileRenderer {
  constructor(private readonly profiles: ActiveProfiles) {}

  async render(receiverIds: string[], message: { type: string; body: Record<string, unknown> }): Promise<ReadonlyMap<string, ProfileRendering | null>> {
    const active = await this.profiles.activeMany(receiverIds);
    const rendered = new Map<string, ProfileRendering | null>();
    for (const [participantId, { profileId, profile }] of active) {
      if (!profile.renders) continue;
      // Service notices and other non-ticket messages have no native form: such systems read them in the API.
      if (!message.type.startsWith('ticket.')) {
        rendered.set(participantId, null);
        continue;
      }
      try {
        const { request } = await profile.outbound(message, { participantId });
        rendered.set(
          participantId,
          request && {
            payload: JSON.stringify(request.body ?? {}),
            profileId,
            request: { name: request.name, method: request.method, path: request.path, headers: request.headers },
          },
        );
      } catch (e) {
        if (!(e instanceof MappingError)) throw e;
        rendered.set(participantId, { payload: '{}', profileId, request: { error: { code: e.code, pointer: e.pointer, message: e.message } } });
      }
    }
    return rendered;
  }
}
