import type { TicketStateInput } from '@drehscheibe/contracts';
import type { NativeAnswers } from '@drehscheibe/delivery';
import type { CompiledProfile } from '@drehscheibe/mapping';
import type { DesiredState } from '@drehscheibe/tickets';

/** The profile version a delivery was rendered with (versions are immutable; the store caches them). */
export interface ProfileVersions {
  byProfileId(profileId: string): Promise<CompiledProfile>;
}

/**
 * What a participant's system answered to a native request, applied as that
 * participant: the profile's `answer` mapping gives a desired state (e.g.
 * the system's own ticket number with `acknowledged`), with the delivery as
 * source reference, so a retried delivery applies it once.
 */
export class ProfileAnswers implements NativeAnswers {
  constructor(
    private readonly profiles: ProfileVersions,
    private readonly desiredState: DesiredState,
  ) {}

  async received({ deliveryId, receiverId, ticketId, profileId, requestName, body }: Parameters<NativeAnswers['received']>[0]): Promise<void> {
    if (!ticketId) return;
    const profile = await this.profiles.byProfileId(profileId);
    if (!profile.readsAnswerOf(requestName)) return;
    let answer: unknown;
    try {
      answer = body === undefined || body === '' ? {} : JSON.parse(body);
    } catch {
      throw new Error('the answer is not JSON');
    }
    const { state } = await profile.answer(requestName, answer, { participantId: receiverId });
    if (state) await this.desiredState.set(receiverId, ticketId, state as TicketStateInput, { sourceRef: `delivery:${deliveryId}` });
  }
}
