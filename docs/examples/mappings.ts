// The status mappings of the two systems in the worked example (docs/integration.md): tables, not a state machine.
import type { components } from '@drehscheibe/client';
import type { JournalEntry, Mapping } from './bridge.js';

type S = components['schemas'];

/** The desired hub state for a local status change, by a table of local → hub statuses. */
const desired = (e: JournalEntry, to: Partial<Record<string, S['TicketStateInput']['status']>>): S['TicketStateInput'] | undefined => {
  const status = e.kind === 'status' ? to[e.status] : undefined;
  return status && { status, text: e.text, ...(status === 'resolved' ? { resolutionCode: e.code ?? 'solved' } : {}) };
};
const demo = { type: 'incident', serviceId: 'svc-demo-wohngeld', impact: 2, urgency: 2, channel: 'phone_115', supportLevel: 1 } as const;

/** System A (a MiLa): new/open/pending/resolved/closed. Closing what nobody resolved withdraws it. */
export const systemA: Mapping = {
  toHub: (e, hub) => desired(e, { open: 'in_progress', pending: 'waiting', resolved: 'resolved', closed: hub === 'resolved' ? 'closed' : 'cancelled' }),
  fromHub: { forwarded: 'new', acknowledged: 'open', rejected: 'open', in_progress: 'open', waiting: 'pending', cancelled: 'closed' },
  newTicket: (e) => ({ ...demo, externalId: e.ticketId, subject: e.text! }),
};
/** System B (a BeLa, like RT): new/open/stalled/resolved and no closed. "Resolved: not ours" is a rejection. */
export const systemB: Mapping = {
  toHub: (e) => desired(e, { open: 'in_progress', stalled: 'waiting', resolved: e.code === 'not_ours' ? 'rejected' : 'resolved' }),
  fromHub: { forwarded: 'new', acknowledged: 'new', rejected: 'resolved', in_progress: 'open', waiting: 'stalled', closed: 'resolved', cancelled: 'resolved' },
};
