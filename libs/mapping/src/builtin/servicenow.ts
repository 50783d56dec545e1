import type { MappingProfileDocument } from '../profile-document.js';
import { isAbsent, FORWARDED_TO_ME, STATUS_EVENTS } from './shared.js';

/** A change of the record: its sys_id and modification count, unique per update. */
const CHANGE_REF = "sys_id & '/' & sys_mod_count";

/**
 * ServiceNow incident (Table API). In: the incident record, with the Table
 * API's field names and string values, as an "after insert/update" business
 * rule posts it (`comments` / `work_notes`: the journal entry of this update,
 * empty otherwise). Out: `POST /api/now/table/incident`,
 * `PATCH /api/now/table/incident/{sys_id}`.
 *
 * The record is addressed by `sys_id` (what the Table API takes), so that is
 * the participant's `externalId`; `number` (INC…) is what agents see. The
 * hub's service id lives in the custom column `u_drehscheibe_service`, the hub
 * ticket id goes to `correlation_id`.
 */
export const servicenowProfile: MappingProfileDocument = {
  description: 'ServiceNow incident (business rule in, Table API out)',
  valueMaps: {
    status: {
      // 1 New, 2 In Progress, 3 On Hold, 6 Resolved, 7 Closed, 8 Canceled.
      toCanonical: { '1': 'acknowledged', '2': 'in_progress', '3': 'waiting', '6': 'resolved', '7': 'resolved', '8': 'cancelled' },
      toNative: {
        forwarded: '1',
        acknowledged: '1',
        in_progress: '2',
        waiting: '3',
        resolved: '6',
        closed: '7',
        // The incident is back on the origin's desk.
        rejected: '2',
        cancelled: '8',
      },
    },
    impact: { toCanonical: { '1': '1', '2': '2', '3': '3' } },
    urgency: { toCanonical: { '1': '1', '2': '2', '3': '3' } },
    priority: { toCanonical: { '1': '1', '2': '2', '3': '3', '4': '4', '5': '5' } },
    category: {
      toCanonical: { inquiry: 'other', software: 'technical', hardware: 'technical', network: 'technical', database: 'technical' },
      toNative: { technical: 'software', other: 'inquiry' },
      defaultNative: 'inquiry',
    },
    resolution: {
      toCanonical: {
        'Solution provided': 'solved',
        'Workaround provided': 'workaround_provided',
        'Known error': 'workaround_provided',
        'User error': 'information_provided',
        Duplicate: 'duplicate',
        'No resolution provided': 'no_action_required',
        'Resolved by caller': 'cancelled_by_requester',
      },
      toNative: {
        solved: 'Solution provided',
        workaround_provided: 'Workaround provided',
        information_provided: 'User error',
        duplicate: 'Duplicate',
        not_reproducible: 'No resolution provided',
        no_action_required: 'No resolution provided',
        referred_elsewhere: 'No resolution provided',
        cancelled_by_requester: 'Resolved by caller',
      },
    },
  },
  inbound: {
    rules: [
      {
        name: 'incident-inserted',
        // Not the incidents the hub created here (they carry its ticket id).
        when: `sys_mod_count = '0' and ${isAbsent('correlation_id')}`,
        operation: 'createTicket',
        fields: {
          externalId: 'sys_id',
          type: "'incident'",
          subject: 'short_description',
          description: 'description ? description',
          serviceId: 'u_drehscheibe_service',
          category: "category ? $toCanonical('category', category)",
          impact: "$number($toCanonical('impact', impact))",
          urgency: "$number($toCanonical('urgency', urgency))",
          channel:
            "($c := $lookup({'phone': 'phone_115', 'email': 'email', 'self-service': 'web_form', 'chat': 'chat', 'walk-in': 'in_person'}, contact_type); $exists($c) ? $c : 'web_form')",
        },
      },
      {
        name: 'incident-resolved',
        when: "state in ['6', '7']",
        operation: 'setTicketState',
        ticket: 'sys_id',
        sourceRef: CHANGE_REF,
        fields: {
          status: "$toCanonical('status', state)",
          text: 'close_notes ? close_notes',
          resolutionCode: "close_code ? $toCanonical('resolution', close_code) : 'solved'",
        },
      },
      {
        // On hold or canceled with a comment: the comment is the question or the reason.
        name: 'incident-held-or-canceled',
        when: "state in ['3', '8'] and comments",
        operation: 'setTicketState',
        ticket: 'sys_id',
        sourceRef: CHANGE_REF,
        fields: {
          status: "$toCanonical('status', state)",
          text: 'comments',
        },
      },
      {
        name: 'incident-commented',
        when: 'comments or work_notes',
        operation: 'addComment',
        ticket: 'sys_id',
        sourceRef: CHANGE_REF,
        fields: {
          text: 'comments ? comments : work_notes',
          visibility: "comments ? 'public' : 'internal'",
        },
      },
      {
        name: 'incident-updated',
        operation: 'setTicketState',
        ticket: 'sys_id',
        sourceRef: CHANGE_REF,
        fields: {
          status: "$toCanonical('status', state)",
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
        path: "'/api/now/table/incident'",
        headers: { Accept: "'application/json'" },
        fields: {
          short_description: 'ticket.subject',
          description: 'ticket.description',
          impact: "$toNative('impact', $string(ticket.impact))",
          urgency: "$toNative('urgency', $string(ticket.urgency))",
          category: "ticket.category ? $toNative('category', $substringBefore(ticket.category, '.'))",
          contact_type:
            "$lookup({'phone_115': 'phone', 'email': 'email', 'web_form': 'self-service', 'chat': 'chat', 'in_person': 'walk-in', 'letter': 'email'}, ticket.channel)",
          u_drehscheibe_service: 'ticket.service.id',
          correlation_id: 'ticket.id',
          correlation_display: "'Drehscheibe'",
        },
      },
      {
        name: 'comment',
        on: ['ticket.comment_added'],
        method: 'PATCH',
        path: "'/api/now/table/incident/{externalId}'",
        headers: { Accept: "'application/json'" },
        fields: {
          comments: "data.comment.visibility = 'public' ? data.comment.text",
          work_notes: "data.comment.visibility = 'internal' ? data.comment.text",
        },
      },
      {
        name: 'state',
        on: STATUS_EVENTS,
        method: 'PATCH',
        path: "'/api/now/table/incident/{externalId}'",
        headers: { Accept: "'application/json'" },
        fields: {
          state: "$toNative('status', ticket.status)",
          // 1 Awaiting Caller
          hold_reason: "ticket.status = 'waiting' ? '1'",
          close_code: "data.resolution ? $toNative('resolution', data.resolution.code)",
          close_notes: 'data.resolution.text',
          comments: 'data.reason ? data.reason : data.note',
        },
      },
    ],
    answer: {
      after: ['create'],
      fields: {
        status: "'acknowledged'",
        externalId: 'result.sys_id',
      },
    },
  },
};
