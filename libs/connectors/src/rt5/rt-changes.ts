/** A transaction as RT's REST2 lists it (`GET /transactions?fields=…`). */
export interface RtTransaction {
  id: string;
  Type: string;
  ObjectId: string;
  Created: string;
  Creator: { id: string } | string;
  Field?: string;
  OldValue?: string;
  NewValue?: string;
}

/** One logical change on one ticket: what one person (or the hub) did in one go, with RT's automatic reactions to it. */
export interface RtChangeGroup {
  ticketId: string;
  author: string;
  /** The hub's own write (or a reaction to it): never applied back. */
  echo: boolean;
  transactions: RtTransaction[];
}

export interface GroupingRules {
  /** The hub's user in this RT. */
  systemUser: string;
  /** Users whose transactions are RT's reactions to the transaction before them (RT_System). */
  automaticUsers: ReadonlySet<string>;
}

export const authorOf = (t: RtTransaction): string => (typeof t.Creator === 'string' ? t.Creator : t.Creator.id);

/** Transactions that carry words (a creation, a reply, a comment). */
export const WORDS = new Set(['Create', 'Correspond', 'Comment']);

/** Transactions of one person that are one change: an update form posts its reply, status and fields within a second. */
const SAME_CHANGE_MS = 1000;

/**
 * Splits one ticket's new transactions (ascending ids) into logical
 * changes. A person's transactions within a second of each other are one
 * change (RT records a reply with a status change as two or more
 * transactions); RT's own reactions (RT_System opening a resolved ticket on a
 * reply, a second later) belong to the change before them, so a reaction to
 * the hub's write is an echo too. `previousAuthor` is the author of the
 * ticket's transaction before the first one here, for a reaction that opens
 * the list.
 */
export function groupChanges(ticketId: string, transactions: RtTransaction[], rules: GroupingRules, previousAuthor?: string): RtChangeGroup[] {
  const groups: RtChangeGroup[] = [];
  for (const t of transactions) {
    const author = authorOf(t);
    const current = groups[groups.length - 1];
    if (rules.automaticUsers.has(author)) {
      if (current) current.transactions.push(t);
      else groups.push({ ticketId, author, echo: previousAuthor === rules.systemUser, transactions: [t] });
      continue;
    }
    const last = current?.transactions[current.transactions.length - 1];
    // Words start a change of their own when the change has words already: two replies are two changes.
    const secondWords = WORDS.has(t.Type) && current?.transactions.some((x) => WORDS.has(x.Type));
    const sameChange =
      current !== undefined &&
      !secondWords &&
      current.author === author &&
      last !== undefined &&
      Date.parse(t.Created) - Date.parse(last.Created) <= SAME_CHANGE_MS;
    if (sameChange) current.transactions.push(t);
    else groups.push({ ticketId, author, echo: author === rules.systemUser, transactions: [t] });
  }
  return groups;
}

/** Which transaction carries a change's meaning for the profile: its creation, else its words, else its status. */
const PRIMARY_ORDER = ['Create', 'Correspond', 'Comment', 'Status'];

export function primaryOf(group: RtChangeGroup): RtTransaction {
  for (const type of PRIMARY_ORDER) {
    const found = group.transactions.find((t) => t.Type === type);
    if (found) return found;
  }
  return group.transactions[0];
}

/** The status change a group makes, from its first status transaction's old value to its last one's new value. */
export function statusChangeOf(group: RtChangeGroup): { from: string; to: string } | undefined {
  const changes = group.transactions.filter((t) => t.Type === 'Status' || (t.Type === 'Set' && t.Field === 'Status'));
  if (!changes.length) return undefined;
  const from = changes[0].OldValue ?? '';
  const to = changes[changes.length - 1].NewValue ?? '';
  return from === to ? undefined : { from, to };
}

/**
 * The ticket's status after each group, from its status now: walking back
 * through the groups' status changes gives the status before them, then
 * forward again the status after each. So a change is read with the status
 * it left, not a later one.
 */
export function statusesAfter(groups: RtChangeGroup[], statusNow: string): string[] {
  let status = statusNow;
  for (let i = groups.length - 1; i >= 0; i--) {
    const change = statusChangeOf(groups[i]);
    if (change) status = change.from;
  }
  return groups.map((g) => {
    const change = statusChangeOf(g);
    if (change) status = change.to;
    return status;
  });
}
