import type { MappingProfileDocument } from '../profile-document.js';
import { FORWARDED_TO_ME, HAS_STEP_WORDS, HUB_RESOLUTION_CODES, isAbsent, STATUS_EVENTS, STEP_WORDS } from './shared.js';

/** The first value of a ticket custom field, by name. */
const cf = (name: string): string => `ticket.CustomFields[name = '${name}'].values[0]`;

/** RT statuses whose change usually comes with a reply (the question, the solution, the reason). */
const STATUSES_WITH_WORDS = "['stalled', 'resolved', 'rejected']";

/**
 * Request Tracker 5, REST2. In: what a scrip posts on a transaction: the
 * ticket as `GET /REST/2.0/ticket/:id` renders it, and the transaction as
 * `GET /REST/2.0/transaction/:id` renders it, with the transaction's text
 * (`$TransactionObj->Content`) as `Content`; or what the hub's RT connector
 * reads (the same two, plus `change`: the change's author, its status change
 * `{from, to}` and its transactions, and the ticket with the status the
 * change left). The transaction id is the
 * source reference. Out: `POST /REST/2.0/ticket`, `PUT /REST/2.0/ticket/:id`,
 * `POST /REST/2.0/ticket/:id/correspond` and `…/comment`.
 *
 * Custom fields: `Drehscheibe Service` (the hub's service id),
 * `Drehscheibe Resolution` (select; values = the hub's resolution codes) and
 * `Drehscheibe Ticket` (the hub's ticket id).
 */
export const rt5Profile: MappingProfileDocument = {
  description: 'Request Tracker 5 (scrip with REST2 representations in, REST2 out)',
  valueMaps: {
    status: {
      toCanonical: {
        new: 'acknowledged',
        open: 'in_progress',
        stalled: 'waiting',
        resolved: 'resolved',
        rejected: 'rejected',
        deleted: 'cancelled',
      },
      // RT has no "closed": a closed ticket stays resolved.
      toNative: {
        forwarded: 'new',
        acknowledged: 'new',
        in_progress: 'open',
        waiting: 'stalled',
        resolved: 'resolved',
        closed: 'resolved',
        rejected: 'rejected',
        cancelled: 'deleted',
      },
    },
    // RT 5's default PriorityAsString: Low 0, Medium 50, High 100. They vary
    // the urgency; the impact stays medium (matrix: 2, 3, 4).
    impact: {
      toCanonical: { '100': '2', '50': '2', '0': '2' },
      toNative: { '2': '50' },
    },
    urgency: {
      toCanonical: { '100': '1', '50': '2', '0': '3' },
    },
    priority: {
      toCanonical: { '100': '2', '50': '3', '0': '4' },
      toNative: { '1': '100', '2': '100', '3': '50', '4': '0', '5': '0' },
    },
    resolution: HUB_RESOLUTION_CODES,
  },
  inbound: {
    rules: [
      {
        name: 'ticket-created',
        // Not the tickets the hub created here.
        when: `transaction.Type = 'Create' and ${isAbsent(cf('Drehscheibe Ticket'))}`,
        operation: 'createTicket',
        fields: {
          externalId: '$string(ticket.id)',
          type: "'incident'",
          subject: 'ticket.Subject',
          description: 'transaction.Content',
          serviceId: cf('Drehscheibe Service'),
          impact: "$number($toCanonical('impact', $string(ticket.Priority)))",
          urgency: "$number($toCanonical('urgency', $string(ticket.Priority)))",
          channel: "'email'",
        },
      },
      {
        // From the connector: a reply that changed the status (an answer that reopens, a question, a
        // resolution; RT's own reopen on a reply belongs to it). `change` is what the connector adds.
        name: 'reply-changing-status',
        when: "transaction.Type = 'Correspond' and $exists(change.status)",
        operation: 'setTicketState',
        ticket: '$string(ticket.id)',
        sourceRef: "'rt-txn-' & transaction.id",
        fields: {
          status: "$toCanonical('status', change.status.to)",
          text: 'transaction.Content',
          resolutionCode: `change.status.to = 'resolved' ? ($r := ${cf('Drehscheibe Resolution')}; $r ? $toCanonical('resolution', $r) : 'solved')`,
        },
      },
      {
        name: 'reply-with-status',
        when: `transaction.Type = 'Correspond' and ticket.Status in ${STATUSES_WITH_WORDS}`,
        operation: 'setTicketState',
        ticket: '$string(ticket.id)',
        sourceRef: "'rt-txn-' & transaction.id",
        fields: {
          status: "$toCanonical('status', ticket.Status)",
          text: 'transaction.Content',
          resolutionCode: `ticket.Status = 'resolved' ? ($r := ${cf('Drehscheibe Resolution')}; $r ? $toCanonical('resolution', $r) : 'solved')`,
        },
      },
      {
        name: 'reply-or-comment',
        when: "transaction.Type in ['Correspond', 'Comment']",
        operation: 'addComment',
        ticket: '$string(ticket.id)',
        sourceRef: "'rt-txn-' & transaction.id",
        fields: {
          text: 'transaction.Content',
          visibility: "transaction.Type = 'Comment' ? 'internal' : 'public'",
        },
      },
      {
        name: 'status-changed',
        when: "transaction.Type = 'Status'",
        operation: 'setTicketState',
        ticket: '$string(ticket.id)',
        sourceRef: "'rt-txn-' & transaction.id",
        fields: {
          status: "$toCanonical('status', $exists(change.status) ? change.status.to : transaction.NewValue)",
          resolutionCode: `($exists(change.status) ? change.status.to : transaction.NewValue) = 'resolved' ? ($r := ${cf('Drehscheibe Resolution')}; $r ? $toCanonical('resolution', $r) : 'solved')`,
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
        path: "'/REST/2.0/ticket'",
        fields: {
          Queue: "'Drehscheibe'",
          Subject: 'ticket.subject',
          Content: '$exists(ticket.description) ? ticket.description : ticket.subject',
          ContentType: "'text/plain'",
          Priority: "$toNative('priority', $string(ticket.priority))",
          'CustomFields.Drehscheibe Service': 'ticket.service.id',
          'CustomFields.Drehscheibe Ticket': 'ticket.id',
        },
      },
      {
        name: 'comment',
        on: ['ticket.comment_added'],
        method: 'POST',
        path: "'/REST/2.0/ticket/{externalId}/' & (data.comment.visibility = 'internal' ? 'comment' : 'correspond')",
        fields: {
          Content: 'data.comment.text',
          ContentType: "'text/plain'",
        },
      },
      {
        // A status change with words: one reply that also sets the status (RT 5 REST2).
        name: 'reply-with-status',
        on: STATUS_EVENTS,
        when: HAS_STEP_WORDS,
        method: 'POST',
        path: "'/REST/2.0/ticket/{externalId}/correspond'",
        fields: {
          Content: STEP_WORDS,
          ContentType: "'text/plain'",
          Status: "$toNative('status', ticket.status)",
          'CustomFields.Drehscheibe Resolution': "data.resolution ? $toNative('resolution', data.resolution.code)",
        },
      },
      {
        name: 'status',
        on: STATUS_EVENTS,
        method: 'PUT',
        path: "'/REST/2.0/ticket/{externalId}'",
        fields: {
          Status: "$toNative('status', ticket.status)",
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
