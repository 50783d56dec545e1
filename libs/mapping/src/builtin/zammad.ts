import type { MappingProfileDocument } from '../profile-document.js';
import { FORWARDED_TO_ME, HAS_STEP_WORDS, HUB_RESOLUTION_CODES, isAbsent, STATUS_EVENTS, STEP_WORDS } from './shared.js';

/** An article's text; HTML bodies lose their tags. */
const ARTICLE_TEXT = "article.content_type = 'text/html' ? $replace(article.body, /<[^>]*>/, '') : article.body";

/** Zammad states whose change usually comes with words (the question, the solution). */
const STATES_WITH_WORDS = "['pending reminder', 'pending close', 'closed']";

/**
 * Zammad. In: the default JSON payload of a webhook called by triggers
 * (`ticket`, and `article` when the change added one). Out: the REST API
 * (`POST /api/v1/tickets`, `PUT /api/v1/tickets/:id`).
 *
 * A webhook does not say which event fired it, so the rules read it from the
 * ticket: a ticket the hub did not create (`drehscheibe_ticket_id` empty),
 * still `new` with its first article, is a creation; an article with a
 * pending or closed state is the words of that state change; any other
 * article is a comment; no article is a state change. The ticket is
 * addressed by its `id` (what the API takes). Custom object attributes
 * (Admin → Objects → Ticket): `drehscheibe_service_id`,
 * `drehscheibe_ticket_id` (text) and `drehscheibe_resolution` (select, keys
 * = the hub's resolution codes).
 */
export const zammadProfile: MappingProfileDocument = {
  description: 'Zammad (trigger webhook in, REST API out)',
  valueMaps: {
    status: {
      toCanonical: {
        new: 'acknowledged',
        open: 'in_progress',
        'pending reminder': 'waiting',
        'pending close': 'resolved',
        closed: 'resolved',
      },
      toNative: {
        forwarded: 'new',
        acknowledged: 'new',
        in_progress: 'open',
        waiting: 'pending reminder',
        resolved: 'closed',
        closed: 'closed',
        // The ticket is back on the origin's desk.
        rejected: 'open',
        cancelled: 'closed',
      },
    },
    // Zammad's three priorities vary the urgency; the impact stays medium,
    // so the hub's matrix gives 2, 3 or 4 and back the same Zammad priority.
    impact: {
      toCanonical: { '3 high': '2', '2 normal': '2', '1 low': '2' },
      toNative: { '2': '2 normal' },
    },
    urgency: {
      toCanonical: { '3 high': '1', '2 normal': '2', '1 low': '3' },
    },
    priority: {
      toCanonical: { '3 high': '2', '2 normal': '3', '1 low': '4' },
      toNative: { '1': '3 high', '2': '3 high', '3': '2 normal', '4': '1 low', '5': '1 low' },
    },
    resolution: HUB_RESOLUTION_CODES,
  },
  inbound: {
    rules: [
      {
        name: 'ticket-created',
        when: `${isAbsent('ticket.drehscheibe_ticket_id')} and ticket.article_count = 1 and ticket.state = 'new'`,
        operation: 'createTicket',
        fields: {
          externalId: '$string(ticket.id)',
          type: "'incident'",
          subject: 'ticket.title',
          description: ARTICLE_TEXT,
          serviceId: 'ticket.drehscheibe_service_id',
          impact: "$number($toCanonical('impact', ticket.priority.name))",
          urgency: "$number($toCanonical('urgency', ticket.priority.name))",
          channel: "($c := $lookup({'phone': 'phone_115', 'email': 'email', 'web': 'web_form', 'chat': 'chat'}, article.type); $exists($c) ? $c : 'web_form')",
        },
      },
      {
        name: 'state-changed-with-words',
        when: `$exists(article) and ticket.state in ${STATES_WITH_WORDS}`,
        operation: 'setTicketState',
        ticket: '$string(ticket.id)',
        sourceRef: "'article-' & article.id",
        fields: {
          status: "$toCanonical('status', ticket.state)",
          text: ARTICLE_TEXT,
          resolutionCode:
            "$toCanonical('status', ticket.state) = 'resolved' ? (ticket.drehscheibe_resolution ? $toCanonical('resolution', ticket.drehscheibe_resolution) : 'solved')",
        },
      },
      {
        name: 'article-created',
        when: '$exists(article)',
        operation: 'addComment',
        ticket: '$string(ticket.id)',
        sourceRef: "'article-' & article.id",
        fields: {
          text: ARTICLE_TEXT,
          visibility: "article.internal ? 'internal' : 'public'",
        },
      },
      {
        name: 'state-changed',
        operation: 'setTicketState',
        ticket: '$string(ticket.id)',
        sourceRef: "'state-' & ticket.id & '-' & ticket.updated_at",
        fields: {
          status: "$toCanonical('status', ticket.state)",
          resolutionCode:
            "$toCanonical('status', ticket.state) = 'resolved' ? (ticket.drehscheibe_resolution ? $toCanonical('resolution', ticket.drehscheibe_resolution) : 'solved')",
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
        path: "'/api/v1/tickets'",
        fields: {
          title: 'ticket.subject',
          group: "'Drehscheibe'",
          customer: 'ticket.origin.participantId',
          state: "'new'",
          priority: "$toNative('priority', $string(ticket.priority))",
          drehscheibe_service_id: 'ticket.service.id',
          drehscheibe_ticket_id: 'ticket.id',
          'article.subject': 'ticket.subject',
          'article.body': '$exists(ticket.description) ? ticket.description : ticket.subject',
          'article.content_type': "'text/plain'",
          // Never `email`: Zammad would mail the article out.
          'article.type': "($t := $lookup({'phone_115': 'phone', 'web_form': 'web', 'chat': 'chat'}, ticket.channel); $exists($t) ? $t : 'note')",
          'article.internal': 'false',
        },
      },
      {
        name: 'comment',
        on: ['ticket.comment_added'],
        method: 'PUT',
        path: "'/api/v1/tickets/{externalId}'",
        fields: {
          'article.subject': 'ticket.subject',
          'article.body': 'data.comment.text',
          'article.content_type': "'text/plain'",
          'article.type': "'note'",
          'article.internal': "data.comment.visibility = 'internal'",
        },
      },
      {
        name: 'state',
        on: STATUS_EVENTS,
        method: 'PUT',
        path: "'/api/v1/tickets/{externalId}'",
        fields: {
          state: "$toNative('status', ticket.status)",
          // Zammad wants a reminder time for a pending state: three days on.
          pending_time: "$toNative('status', ticket.status) = 'pending reminder' ? $fromMillis($toMillis(occurredAt) + 259200000)",
          drehscheibe_resolution: "data.resolution ? $toNative('resolution', data.resolution.code)",
          'article.subject': `${HAS_STEP_WORDS} ? ticket.subject`,
          'article.body': STEP_WORDS,
          'article.content_type': `${HAS_STEP_WORDS} ? 'text/plain'`,
          'article.type': `${HAS_STEP_WORDS} ? 'note'`,
          'article.internal': `${HAS_STEP_WORDS} ? false`,
        },
      },
    ],
    answer: {
      after: ['create'],
      fields: {
        status: "'acknowledged'",
        externalId: '$string(id)',
      },
    },
  },
};
