import { formatInstant } from '@drehscheibe/domain';
import { omitAbsent, type Requester, type Ticket } from '@drehscheibe/contracts';
import type { ServiceEntity, TicketAttachmentEntity, TicketCommentEntity, TicketEntity, TicketPartyEntity } from '@drehscheibe/persistence';

export interface TicketAggregate {
  ticket: TicketEntity;
  parties: TicketPartyEntity[];
  service: ServiceEntity;
  /** All comments, oldest first; the view filters what a viewer may see. */
  comments: TicketCommentEntity[];
  /** Attachment metadata, oldest first. */
  attachments: TicketAttachmentEntity[];
}

export function toAttachmentView(a: TicketAttachmentEntity): Ticket['attachments'][number] {
  return { id: a.id, filename: a.filename, mediaType: a.mediaType, size: a.size, sha256: a.sha256 };
}

export function toCommentView(c: TicketCommentEntity): Ticket['comments'][number] {
  return { id: c.id, author: c.authorId, visibility: c.visibility, text: c.text, createdAt: c.createdAt.toISOString() };
}

/** What a viewer entitled to the requester's data sees of it: the data, or when it was purged. */
export interface RequesterView {
  requester?: Requester;
  requesterPurgedAt?: string;
}

/**
 * Maps the stored ticket to the canonical contract for one viewer: internal
 * comments only for their author's organisation, `requester` (or when it was
 * purged) only when passed (viewers entitled to personal data). Event
 * snapshots use no viewer: public comments only, never personal data.
 */
export function toTicketView(
  { ticket: t, parties, service, comments, attachments }: TicketAggregate,
  viewerId?: string,
  { requester, requesterPurgedAt }: RequesterView = {},
): Ticket {
  const role = (id: string): 'origin' | 'assignee' | 'watcher' => (id === t.originId ? 'origin' : id === t.assigneeId ? 'assignee' : 'watcher');
  const externalIdOf = (id: string) => parties.find((p) => p.participantId === id)?.externalId ?? undefined;
  const references = [...parties]
    .sort((a, b) => a.joinedAt.getTime() - b.joinedAt.getTime() || a.participantId.localeCompare(b.participantId))
    .map((p) => omitAbsent({ participantId: p.participantId, externalId: p.externalId ?? undefined, role: role(p.participantId) }));
  return omitAbsent({
    id: t.id,
    version: t.version,
    type: t.type as Ticket['type'],
    subject: t.subject,
    description: t.description ?? undefined,
    service: omitAbsent({ id: service.id, name: service.name, leikaKey: service.leikaKey ?? undefined }),
    category: t.category ?? undefined,
    impact: t.impact as Ticket['impact'],
    urgency: t.urgency as Ticket['urgency'],
    priority: t.priority as Ticket['priority'],
    status: t.status as Ticket['status'],
    origin: { participantId: t.originId, externalId: t.originExternalId },
    assignee: omitAbsent({ participantId: t.assigneeId, externalId: externalIdOf(t.assigneeId) }),
    references,
    supportLevel: t.supportLevel as Ticket['supportLevel'],
    channel: t.channel as Ticket['channel'],
    requester,
    requesterPurgedAt,
    comments: comments.filter((c) => c.visibility === 'public' || c.authorId === viewerId).map(toCommentView),
    attachments: attachments.map(toAttachmentView),
    resolution: t.resolution ?? undefined,
    reportedAt: formatInstant(t.reportedAt),
    createdAt: t.createdAt.toISOString(),
    updatedAt: t.updatedAt.toISOString(),
    dueAt: formatInstant(t.dueAt),
    resolvedAt: formatInstant(t.resolvedAt),
    closedAt: formatInstant(t.closedAt),
  });
}

/** Personal data goes to the ticket's origin and its current assignee only. */
export function mayReadRequester(ticket: TicketEntity, participantId: string): boolean {
  return participantId === ticket.originId || participantId === ticket.assigneeId;
}
