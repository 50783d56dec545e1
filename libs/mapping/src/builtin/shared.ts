/**
 * Expression fragments the built-in profiles share. They read a canonical
 * delivery body (`Delivery`: the event with `data`, and the ticket after it).
 */

/** The words of a step: the resolution text, the reason (waiting, reopen, rejection, cancellation) or the note. */
export const STEP_WORDS = '(data.resolution ? data.resolution.text : data.reason ? data.reason : data.note)';

/** Whether the step has words. */
export const HAS_STEP_WORDS = `$boolean(${STEP_WORDS})`;

/** Every canonical event that changes the status, i.e. all but comments and attachments. */
export const STATUS_EVENTS = [
  'ticket.forwarded',
  'ticket.acknowledged',
  'ticket.rejected',
  'ticket.status_changed',
  'ticket.resolved',
  'ticket.closed',
  'ticket.reopened',
  'ticket.cancelled',
];

/** For `ticket.forwarded`: whether the ticket was forwarded to the profile's own participant (create it there). */
export const FORWARDED_TO_ME = 'data.assignee.participantId = $participant';

/** Whether a value is missing, null, empty or false (`$not` of nothing is nothing in JSONata, not true). */
export const isAbsent = (expression: string): string => `($exists(${expression}) ? $not(${expression}) : true)`;

/**
 * For systems whose resolution field is a select list keyed by the hub's own
 * resolution codes (a custom field the participant creates): the codes map to
 * themselves.
 */
export const HUB_RESOLUTION_CODES = {
  toCanonical: Object.fromEntries(
    [
      'solved',
      'workaround_provided',
      'information_provided',
      'duplicate',
      'not_reproducible',
      'no_action_required',
      'referred_elsewhere',
      'cancelled_by_requester',
    ].map((code) => [code, code]),
  ),
};
