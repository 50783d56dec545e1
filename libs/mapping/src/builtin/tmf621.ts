import type { MappingProfileDocument } from '../profile-document.js';
import { isAbsent, FORWARDED_TO_ME, STATUS_EVENTS, STEP_WORDS } from './shared.js';

const TT = 'event.troubleTicket';

/** Canonical channel ↔ TMF channel name. */
const CHANNEL_TO_TMF = "{'phone_115': 'phone', 'email': 'email', 'web_form': 'web', 'chat': 'chat', 'letter': 'letter', 'in_person': 'inPerson'}";
const CHANNEL_FROM_TMF = "{'phone': 'phone_115', 'email': 'email', 'web': 'web_form', 'chat': 'chat', 'letter': 'letter', 'inPerson': 'in_person'}";

/**
 * TM Forum TMF621 Trouble Ticket (v4/v5). In: the notifications
 * `TroubleTicketCreateEvent`, `TroubleTicketStatusChangeEvent` and
 * `TroubleTicketAttributeValueChangeEvent` (a new note), each with
 * `event.troubleTicket`; the event id is the source reference. Out:
 * `POST /troubleTicket`, `PATCH /troubleTicket/{id}` (merge patch).
 *
 * The trouble ticket's `id` is the participant's ticket number. The hub's
 * service is the related entity of type `Service`; the hub's ticket id goes
 * to `externalIdentifier` (owner `drehscheibe`); the resolution code is the
 * characteristic `resolutionCode`.
 */
export const tmf621Profile: MappingProfileDocument = {
  description: 'TM Forum TMF621 Trouble Ticket (notifications in, REST out)',
  valueMaps: {
    status: {
      toCanonical: {
        acknowledged: 'acknowledged',
        inProgress: 'in_progress',
        pending: 'waiting',
        held: 'waiting',
        resolved: 'resolved',
        closed: 'closed',
        rejected: 'rejected',
        cancelled: 'cancelled',
      },
      toNative: {
        forwarded: 'acknowledged',
        acknowledged: 'acknowledged',
        in_progress: 'inProgress',
        waiting: 'pending',
        resolved: 'resolved',
        closed: 'closed',
        rejected: 'rejected',
        cancelled: 'cancelled',
      },
    },
    // severity: how bad (impact)
    impact: { toCanonical: { Critical: '1', Major: '2', Minor: '3' } },
    // priority: how fast (urgency)
    urgency: {
      toCanonical: { Critical: '1', High: '1', Medium: '2', Low: '3' },
      toNative: { '1': 'High', '2': 'Medium', '3': 'Low' },
    },
    type: {
      toCanonical: { Incident: 'incident', Request: 'service_request', Inquiry: 'question', Complaint: 'complaint' },
    },
    resolution: {
      toCanonical: {
        fixed: 'solved',
        workaround: 'workaround_provided',
        informationProvided: 'information_provided',
        duplicate: 'duplicate',
        notReproducible: 'not_reproducible',
        noActionRequired: 'no_action_required',
        referredElsewhere: 'referred_elsewhere',
        withdrawn: 'cancelled_by_requester',
      },
    },
  },
  inbound: {
    rules: [
      {
        name: 'created',
        // Not the trouble tickets the hub created here.
        when: `eventType = 'TroubleTicketCreateEvent' and ${isAbsent(`${TT}.externalIdentifier[owner = 'drehscheibe']`)}`,
        operation: 'createTicket',
        fields: {
          externalId: `${TT}.id`,
          type: `$toCanonical('type', ${TT}.ticketType)`,
          subject: `${TT}.name`,
          description: `${TT}.description`,
          serviceId: `${TT}.relatedEntity[entity.\`@referredType\` = 'Service'][0].entity.id`,
          impact: `$number($toCanonical('impact', ${TT}.severity))`,
          urgency: `$number($toCanonical('urgency', ${TT}.priority))`,
          channel: `($c := $lookup(${CHANNEL_FROM_TMF}, ${TT}.channel.name); $exists($c) ? $c : 'web_form')`,
        },
      },
      {
        name: 'status-changed',
        when: "eventType = 'TroubleTicketStatusChangeEvent'",
        operation: 'setTicketState',
        ticket: `${TT}.id`,
        sourceRef: 'eventId',
        fields: {
          status: `$toCanonical('status', ${TT}.status)`,
          text: `${TT}.statusChangeReason`,
          resolutionCode: `${TT}.status = 'resolved' ? ($r := ${TT}.troubleTicketCharacteristic[name = 'resolutionCode'][0].value; $r ? $toCanonical('resolution', $r) : 'solved')`,
        },
      },
      {
        name: 'note-added',
        when: `eventType = 'TroubleTicketAttributeValueChangeEvent' and $exists(${TT}.note)`,
        operation: 'addComment',
        ticket: `${TT}.id`,
        sourceRef: 'eventId',
        fields: {
          text: `${TT}.note[-1].text`,
        },
      },
    ],
  },
  outbound: {
    requests: [
      {
        name: 'create',
        on: ['ticket.forwarded'],
        when: FORWARDED_TO_ME,
        method: 'POST',
        path: "'/troubleTicket'",
        fields: {
          name: 'ticket.subject',
          description: '$exists(ticket.description) ? ticket.description : ticket.subject',
          severity: "$toNative('impact', $string(ticket.impact))",
          priority: "$toNative('urgency', $string(ticket.urgency))",
          ticketType: "$toNative('type', ticket.type)",
          'channel.name': `$lookup(${CHANNEL_TO_TMF}, ticket.channel)`,
          relatedEntity:
            "[{'role': 'affectedService', 'entity': {'id': ticket.service.id, 'name': ticket.service.name, '@referredType': 'Service', '@type': 'EntityRef'}, '@type': 'RelatedEntity'}]",
          externalIdentifier: "[{'id': ticket.id, 'owner': 'drehscheibe', 'externalIdentifierType': 'troubleTicket', '@type': 'ExternalIdentifier'}]",
          '@type': "'TroubleTicket'",
        },
      },
      {
        name: 'comment',
        on: ['ticket.comment_added'],
        method: 'PATCH',
        path: "'/troubleTicket/{externalId}'",
        fields: {
          note: "[{'text': data.comment.text, 'author': data.comment.author, 'date': data.comment.createdAt, '@type': 'Note'}]",
        },
      },
      {
        name: 'status',
        on: STATUS_EVENTS,
        method: 'PATCH',
        path: "'/troubleTicket/{externalId}'",
        fields: {
          status: "$toNative('status', ticket.status)",
          statusChangeReason: STEP_WORDS,
          troubleTicketCharacteristic:
            "data.resolution ? [{'name': 'resolutionCode', 'value': $toNative('resolution', data.resolution.code), 'valueType': 'string', '@type': 'StringCharacteristic'}]",
        },
      },
    ],
    answer: {
      after: ['create'],
      fields: {
        status: "'acknowledged'",
        externalId: 'id',
      },
    },
  },
};
