import type { MappingProfileDocument } from '../profile-document.js';
import { isAbsent, FORWARDED_TO_ME, HAS_STEP_WORDS, STATUS_EVENTS, STEP_WORDS } from './shared.js';

/**
 * Znuny / OTRS GenericInterface. In: what the `Ticket::Generic` invoker of a
 * REST requester sends on the events `TicketCreate`, `TicketStateUpdate` and
 * `ArticleCreate` (`Event`, `Ticket`, `Article`). Out: the operations
 * `TicketCreate` (`POST /Ticket`) and `TicketUpdate` (`PATCH /Ticket/:TicketID`)
 * of the Ready2Adopt web service GenericTicketConnectorREST.
 *
 * The ticket is addressed by its `TicketID` (what the REST routes take), so
 * that is the participant's `externalId`; the longer `TicketNumber` is what
 * agents see. The hub's service id and the resolution live in the dynamic
 * fields `DrehscheibeServiceID` and `DrehscheibeResolution` (dropdown keys).
 */
export const znunyProfile: MappingProfileDocument = {
  description: 'Znuny / OTRS GenericInterface (Ticket::Generic invoker in, GenericTicketConnectorREST out)',
  valueMaps: {
    status: {
      toCanonical: {
        new: 'acknowledged',
        open: 'in_progress',
        'pending reminder': 'waiting',
        'pending auto close+': 'resolved',
        'closed successful': 'resolved',
        'closed unsuccessful': 'rejected',
      },
      toNative: {
        forwarded: 'new',
        acknowledged: 'new',
        in_progress: 'open',
        waiting: 'pending reminder',
        resolved: 'closed successful',
        closed: 'closed successful',
        rejected: 'closed unsuccessful',
        cancelled: 'closed unsuccessful',
      },
    },
    // Znuny has one priority; impact and urgency are read from it so that the
    // hub's ITIL matrix gives the same priority back (5 very high → 1×1 → 1).
    impact: {
      toCanonical: { '5 very high': '1', '4 high': '1', '3 normal': '2', '2 low': '2', '1 very low': '3' },
      toNative: { '1': '4 high', '2': '3 normal', '3': '1 very low' },
    },
    urgency: {
      toCanonical: { '5 very high': '1', '4 high': '2', '3 normal': '2', '2 low': '3', '1 very low': '3' },
      toNative: { '1': '5 very high', '2': '3 normal', '3': '2 low' },
    },
    priority: {
      toCanonical: { '5 very high': '1', '4 high': '2', '3 normal': '3', '2 low': '4', '1 very low': '5' },
    },
    type: {
      toCanonical: {
        Incident: 'incident',
        'Service Request': 'service_request',
        Question: 'question',
        Complaint: 'complaint',
        Unclassified: 'incident',
      },
      toNative: { incident: 'Incident', service_request: 'Service Request', question: 'Question', complaint: 'Complaint' },
    },
    resolution: {
      toCanonical: {
        solved: 'solved',
        workaround: 'workaround_provided',
        information: 'information_provided',
        duplicate: 'duplicate',
        'not-reproducible': 'not_reproducible',
        'no-action': 'no_action_required',
        referred: 'referred_elsewhere',
        withdrawn: 'cancelled_by_requester',
      },
    },
  },
  inbound: {
    rules: [
      {
        name: 'ticket-created',
        // Not the tickets the hub created here.
        when: `Event.Event = 'TicketCreate' and ${isAbsent("Ticket.DynamicField[Name = 'DrehscheibeTicketID'].Value")}`,
        operation: 'createTicket',
        fields: {
          externalId: 'Ticket.TicketID',
          type: "$toCanonical('type', Ticket.Type)",
          subject: 'Ticket.Title',
          description: 'Article.Body',
          serviceId: "Ticket.DynamicField[Name = 'DrehscheibeServiceID'].Value",
          impact: "$number($toCanonical('impact', Ticket.Priority))",
          urgency: "$number($toCanonical('urgency', Ticket.Priority))",
          channel: "($c := $lookup({'Phone': 'phone_115', 'Email': 'email', 'Chat': 'chat'}, Article.CommunicationChannel); $exists($c) ? $c : 'web_form')",
        },
      },
      {
        name: 'state-changed',
        when: "Event.Event = 'TicketStateUpdate'",
        operation: 'setTicketState',
        ticket: 'Ticket.TicketID',
        sourceRef: "'state-' & Ticket.TicketID & '-' & Ticket.Changed",
        fields: {
          status: "$toCanonical('status', Ticket.State)",
          // The note written with the change (same time stamp), if any.
          text: 'Ticket.Article[CreateTime = $$.Ticket.Changed][-1].Body',
          resolutionCode:
            "$toCanonical('status', Ticket.State) = 'resolved' ? ($r := Ticket.DynamicField[Name = 'DrehscheibeResolution'].Value; $r ? $toCanonical('resolution', $r) : 'solved')",
        },
      },
      {
        name: 'article-created',
        // Not the ticket's first article (its description, written with the ticket: same time stamp).
        when: "Event.Event = 'ArticleCreate' and $not(Article.CreateTime = Ticket.Created)",
        operation: 'addComment',
        ticket: 'Ticket.TicketID',
        sourceRef: "'article-' & Article.ArticleID",
        fields: {
          text: 'Article.Body',
          visibility: "Article.IsVisibleForCustomer = 1 ? 'public' : 'internal'",
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
        path: "'/Ticket'",
        fields: {
          'Ticket.Title': 'ticket.subject',
          'Ticket.Queue': "'Drehscheibe'",
          'Ticket.State': "'new'",
          'Ticket.Priority': "$toNative('priority', $string(ticket.priority))",
          'Ticket.Type': "$toNative('type', ticket.type)",
          'Ticket.CustomerUser': 'ticket.origin.participantId',
          // Dynamic fields are a top-level parameter of TicketCreate and TicketUpdate (beside Ticket and Article).
          DynamicField: "[{'Name': 'DrehscheibeServiceID', 'Value': ticket.service.id}, {'Name': 'DrehscheibeTicketID', 'Value': ticket.id}]",
          'Article.CommunicationChannel':
            "($c := $lookup({'phone_115': 'Phone', 'email': 'Email', 'chat': 'Chat'}, ticket.channel); $exists($c) ? $c : 'Internal')",
          'Article.SenderType': "'customer'",
          'Article.IsVisibleForCustomer': '1',
          'Article.Subject': 'ticket.subject',
          'Article.Body': '$exists(ticket.description) ? ticket.description : ticket.subject',
          'Article.ContentType': "'text/plain; charset=utf8'",
        },
      },
      {
        name: 'comment',
        on: ['ticket.comment_added'],
        method: 'PATCH',
        path: "'/Ticket/{externalId}'",
        fields: {
          'Article.CommunicationChannel': "'Internal'",
          'Article.SenderType': "'customer'",
          'Article.IsVisibleForCustomer': "data.comment.visibility = 'public' ? 1 : 0",
          'Article.Subject': 'ticket.subject',
          'Article.Body': 'data.comment.text',
          'Article.ContentType': "'text/plain; charset=utf8'",
        },
      },
      {
        name: 'state',
        on: STATUS_EVENTS,
        method: 'PATCH',
        path: "'/Ticket/{externalId}'",
        fields: {
          'Ticket.State': "$toNative('status', ticket.status)",
          // TicketUpdate refuses a pending state without a pending time: three days on, as an agent would set it.
          'Ticket.PendingTime': "$contains($toNative('status', ticket.status), /^pending/) ? {'Diff': 4320}",
          DynamicField: "$exists(data.resolution) ? [{'Name': 'DrehscheibeResolution', 'Value': $toNative('resolution', data.resolution.code)}]",
          // An article only when the step has words.
          'Article.CommunicationChannel': `${HAS_STEP_WORDS} ? 'Internal'`,
          'Article.SenderType': `${HAS_STEP_WORDS} ? 'customer'`,
          'Article.IsVisibleForCustomer': `${HAS_STEP_WORDS} ? 1`,
          'Article.Subject': `${HAS_STEP_WORDS} ? ticket.subject`,
          'Article.Body': STEP_WORDS,
          'Article.ContentType': `${HAS_STEP_WORDS} ? 'text/plain; charset=utf8'`,
        },
      },
    ],
    answer: {
      after: ['create'],
      fields: {
        status: "'acknowledged'",
        externalId: '$string(TicketID)',
      },
    },
  },
};
