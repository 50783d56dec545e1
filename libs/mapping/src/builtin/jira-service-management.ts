import type { MappingProfileDocument } from '../profile-document.js';
import { FORWARDED_TO_ME, HAS_STEP_WORDS, STATUS_EVENTS, STEP_WORDS } from './shared.js';

/** A text as an Atlassian Document Format document (one paragraph), as REST API v3 wants it. */
const adf = (text: string): string => `{'type': 'doc', 'version': 1, 'content': [{'type': 'paragraph', 'content': [{'type': 'text', 'text': ${text}}]}]}`;

/** Whether the event moves the issue to another Jira status (a transition); otherwise only its words are sent. */
const NATIVE_STATUS_CHANGES = "$toNative('status', ticket.status) != $toNative('status', data.previousStatus)";

/**
 * The transition into each status, by its target's name. The ids are those of
 * the project's workflow (GET /rest/api/3/issue/{key}/transitions): override
 * the `transition` request with yours.
 */
const TRANSITION_IDS =
  "{'Open': '11', 'Work in progress': '21', 'Waiting for customer': '31', 'Resolved': '41', 'Closed': '51', 'Canceled': '61', 'Declined': '71'}";

/**
 * Jira Service Management (Cloud). In: webhooks `jira:issue_created`,
 * `jira:issue_updated` with a status change in its `changelog`, and
 * `comment_created` (REST v2 representation, texts as strings). Out: REST API
 * v3 (create issue, transition, comment; texts as ADF documents).
 *
 * The issue key (`SUP-42`) is the participant's ticket number; the hub's
 * service id is the first component; the project key is `SUP`.
 */
export const jiraServiceManagementProfile: MappingProfileDocument = {
  description: 'Jira Service Management Cloud (webhooks in, REST API v3 out)',
  valueMaps: {
    status: {
      toCanonical: {
        Open: 'acknowledged',
        'Work in progress': 'in_progress',
        'Waiting for support': 'in_progress',
        Escalated: 'in_progress',
        'Waiting for customer': 'waiting',
        Pending: 'waiting',
        Resolved: 'resolved',
        Closed: 'resolved',
        Declined: 'rejected',
        Canceled: 'cancelled',
      },
      toNative: {
        new: 'Open',
        forwarded: 'Open',
        acknowledged: 'Open',
        in_progress: 'Work in progress',
        waiting: 'Waiting for customer',
        resolved: 'Resolved',
        closed: 'Closed',
        rejected: 'Declined',
        cancelled: 'Canceled',
      },
    },
    impact: {
      toCanonical: { Highest: '1', High: '1', Medium: '2', Low: '2', Lowest: '3' },
      toNative: { '1': 'High', '2': 'Medium', '3': 'Lowest' },
    },
    urgency: {
      toCanonical: { Highest: '1', High: '2', Medium: '2', Low: '3', Lowest: '3' },
      toNative: { '1': 'Highest', '2': 'Medium', '3': 'Low' },
    },
    priority: {
      toCanonical: { Highest: '1', High: '2', Medium: '3', Low: '4', Lowest: '5' },
    },
    type: {
      toCanonical: {
        '[System] Incident': 'incident',
        '[System] Service request': 'service_request',
        '[System] Service request with approvals': 'service_request',
      },
      toNative: {
        incident: '[System] Incident',
        service_request: '[System] Service request',
        question: '[System] Service request',
        complaint: '[System] Incident',
      },
    },
    resolution: {
      toCanonical: {
        Done: 'solved',
        'Known Error': 'workaround_provided',
        Duplicate: 'duplicate',
        'Cannot Reproduce': 'not_reproducible',
        "Won't Do": 'no_action_required',
      },
      toNative: {
        solved: 'Done',
        workaround_provided: 'Known Error',
        information_provided: 'Done',
        duplicate: 'Duplicate',
        not_reproducible: 'Cannot Reproduce',
        no_action_required: "Won't Do",
        referred_elsewhere: "Won't Do",
        cancelled_by_requester: "Won't Do",
      },
    },
  },
  inbound: {
    rules: [
      {
        name: 'issue-created',
        // Not the issues the hub created here (labelled `drehscheibe`).
        when: "webhookEvent = 'jira:issue_created' and $not('drehscheibe' in issue.fields.labels)",
        operation: 'createTicket',
        fields: {
          externalId: 'issue.key',
          type: "$toCanonical('type', issue.fields.issuetype.name)",
          subject: 'issue.fields.summary',
          description: 'issue.fields.description',
          serviceId: 'issue.fields.components[0].name',
          impact: "$number($toCanonical('impact', issue.fields.priority.name))",
          urgency: "$number($toCanonical('urgency', issue.fields.priority.name))",
          channel: "'web_form'",
        },
      },
      {
        name: 'status-changed',
        when: "webhookEvent = 'jira:issue_updated' and 'status' in changelog.items.field",
        operation: 'setTicketState',
        ticket: 'issue.key',
        sourceRef: "'changelog-' & changelog.id",
        fields: {
          status: "$toCanonical('status', issue.fields.status.name)",
          text: 'comment.body',
          resolutionCode:
            "$toCanonical('status', issue.fields.status.name) = 'resolved' ? (issue.fields.resolution ? $toCanonical('resolution', issue.fields.resolution.name) : 'solved')",
        },
      },
      {
        name: 'comment-created',
        when: "webhookEvent = 'comment_created'",
        operation: 'addComment',
        ticket: 'issue.key',
        sourceRef: "'comment-' & comment.id",
        fields: {
          text: 'comment.body',
          visibility: "comment.jsdPublic = false ? 'internal' : 'public'",
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
        path: "'/rest/api/3/issue'",
        headers: { Accept: "'application/json'" },
        fields: {
          'fields.project.key': "'SUP'",
          'fields.issuetype.name': "$toNative('type', ticket.type)",
          'fields.summary': 'ticket.subject',
          'fields.description': `$exists(ticket.description) ? ${adf('ticket.description')}`,
          'fields.priority.name': "$toNative('priority', $string(ticket.priority))",
          'fields.components': "[{'name': ticket.service.id}]",
          'fields.labels': "['drehscheibe']",
        },
      },
      {
        name: 'comment',
        on: ['ticket.comment_added'],
        method: 'POST',
        path: "'/rest/api/3/issue/{externalId}/comment'",
        headers: { Accept: "'application/json'" },
        fields: {
          body: adf('data.comment.text'),
          properties: "[{'key': 'sd.public.comment', 'value': {'internal': data.comment.visibility = 'internal'}}]",
        },
      },
      {
        name: 'transition',
        on: STATUS_EVENTS,
        when: NATIVE_STATUS_CHANGES,
        method: 'POST',
        path: "'/rest/api/3/issue/{externalId}/transitions'",
        headers: { Accept: "'application/json'" },
        fields: {
          'transition.id': `$lookup(${TRANSITION_IDS}, $toNative('status', ticket.status))`,
          'fields.resolution.name': "data.resolution ? $toNative('resolution', data.resolution.code)",
          'update.comment': `${HAS_STEP_WORDS} ? [{'add': {'body': ${adf(STEP_WORDS)}}}]`,
        },
      },
      {
        // The same Jira status (e.g. acknowledged after forwarded): only the words, as a comment.
        name: 'words',
        on: STATUS_EVENTS,
        when: HAS_STEP_WORDS,
        method: 'POST',
        path: "'/rest/api/3/issue/{externalId}/comment'",
        headers: { Accept: "'application/json'" },
        fields: {
          body: adf(STEP_WORDS),
        },
      },
    ],
    answer: {
      after: ['create'],
      fields: {
        status: "'acknowledged'",
        externalId: 'key',
      },
    },
  },
};
