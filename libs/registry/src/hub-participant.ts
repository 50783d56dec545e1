/**
 * The hub's own name where a participant's would stand: the actor of a change
 * the hub makes by itself (auto-close). No participant may be registered
 * under it, so no party ever mistakes such a change for its own.
 */
export const HUB_PARTICIPANT_ID = 'drehscheibe';
