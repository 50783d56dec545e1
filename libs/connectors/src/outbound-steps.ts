import type { FeedItem } from '@drehscheibe/feed';

/** One write's worth of the hub's events: the event to render, and the feed cursor to store once it is written. */
export interface OutboundStep {
  eventId: string;
  ticketId: string;
  event: { type: string; body: Record<string, unknown> };
  cursor: string;
}

/** Events that change no status: they stand on their own, or lend their words to the status change they came with. */
const WORDS_ONLY = new Set(['ticket.comment_added', 'ticket.attachment_added']);

interface EventItem {
  id: string;
  type: string;
  ticketId: string;
  occurredAt: string;
  actor: { participantId: string };
  data: Record<string, unknown> & { comment?: { text?: string }; resolution?: { text?: string }; reason?: string; note?: string };
}

const isTicketEvent = (item: FeedItem): boolean => typeof item.type === 'string' && item.type.startsWith('ticket.') && typeof item.ticketId === 'string';

/** Events of one change: same ticket, same actor, same moment (the hub gives every event of one command the same time). */
const sameChange = (a: EventItem, b: EventItem): boolean =>
  a.ticketId === b.ticketId && a.actor.participantId === b.actor.participantId && a.occurredAt === b.occurredAt;

const hasWords = (e: EventItem): boolean => Boolean(e.data.resolution?.text || e.data.reason || e.data.note);

const step = (item: EventItem, cursor: string): OutboundStep => ({
  eventId: item.id,
  ticketId: item.ticketId,
  event: { type: item.type, body: item as unknown as Record<string, unknown> },
  cursor,
});

/**
 * The hub's events as the writes one change needs. A desired state the hub
 * reached in several steps (acknowledged → in_progress → resolved) is one
 * change to the other side: only its last status is written. An answer's
 * words (a comment recorded just before the status change) go with that
 * status change, so a system that takes text and status in one call gets
 * one call. Other events stay one write each, in the feed's order.
 */
export function outboundSteps(entries: Array<{ item: FeedItem; cursor: string }>): OutboundStep[] {
  const steps: OutboundStep[] = [];
  let i = 0;
  while (i < entries.length) {
    if (!isTicketEvent(entries[i].item)) {
      steps.push({
        eventId: String(entries[i].item.id),
        ticketId: '',
        event: { type: String(entries[i].item.type), body: entries[i].item },
        cursor: entries[i].cursor,
      });
      i++;
      continue;
    }
    let j = i + 1;
    while (j < entries.length && isTicketEvent(entries[j].item) && sameChange(entries[i].item as unknown as EventItem, entries[j].item as unknown as EventItem))
      j++;
    steps.push(...runSteps(entries.slice(i, j)));
    i = j;
  }
  return steps;
}

function runSteps(run: Array<{ item: FeedItem; cursor: string }>): OutboundStep[] {
  const items = run.map((e) => e.item as unknown as EventItem);
  const lastStatus = items.map((e) => !WORDS_ONLY.has(e.type)).lastIndexOf(true);
  if (lastStatus < 0) return run.map((e, k) => step(items[k], e.cursor));
  // The words of the first comment before a wordless status change become that change's note.
  const lender = hasWords(items[lastStatus]) ? -1 : items.findIndex((e, k) => k < lastStatus && e.type === 'ticket.comment_added' && e.data.comment?.text);
  const out: OutboundStep[] = [];
  for (const [k, item] of items.entries()) {
    if (k === lender || (k !== lastStatus && !WORDS_ONLY.has(item.type))) continue;
    const event = k === lastStatus && lender >= 0 ? { ...item, data: { ...item.data, note: items[lender].data.comment!.text } } : item;
    out.push(step(event, run[k].cursor));
  }
  out[out.length - 1].cursor = run[run.length - 1].cursor;
  return out;
}
