import { groupChanges, primaryOf, statusChangeOf, statusesAfter, type RtTransaction } from './rt-changes.js';

const rules = { systemUser: 'drehscheibe', automaticUsers: new Set(['RT_System']) };
let next = 100;
const txn = (Creator: string, Type: string, Created: string, change?: [string, string]): RtTransaction => ({
  id: String(next++),
  ObjectId: '7',
  Type,
  Creator: { id: Creator },
  Created: `2026-12-02T10:00:${Created}Z`,
  ...(change ? { Field: 'Status', OldValue: change[0], NewValue: change[1] } : {}),
});

describe('groupChanges', () => {
  it('one person’s reply and status change within a second are one change; RT’s reaction belongs to it', () => {
    const groups = groupChanges(
      '7',
      [txn('agent', 'Correspond', '01'), txn('RT_System', 'Status', '01', ['new', 'open']), txn('agent', 'Status', '02', ['open', 'stalled'])],
      rules,
    );
    expect(groups).toHaveLength(1);
    expect(groups[0]).toMatchObject({ author: 'agent', echo: false });
    expect(statusChangeOf(groups[0])).toEqual({ from: 'new', to: 'stalled' });
    expect(primaryOf(groups[0]).Type).toBe('Correspond');
  });

  it('the hub’s write and RT’s reaction to it are an echo; the next person’s change is not', () => {
    const groups = groupChanges(
      '7',
      [txn('drehscheibe', 'Correspond', '01'), txn('RT_System', 'Status', '01', ['resolved', 'open']), txn('agent', 'Comment', '05')],
      rules,
    );
    expect(groups.map((g) => [g.author, g.echo, g.transactions.length])).toEqual([
      ['drehscheibe', true, 2],
      ['agent', false, 1],
    ]);
  });

  it('two replies are two changes, even within a second: each carries its own words', () => {
    const groups = groupChanges(
      '7',
      [txn('agent', 'Correspond', '01'), txn('agent', 'Correspond', '01'), txn('agent', 'Status', '01', ['open', 'stalled'])],
      rules,
    );
    expect(groups.map((g) => g.transactions.map((t) => t.Type))).toEqual([['Correspond'], ['Correspond', 'Status']]);
  });

  it('the same person more than a second later is a new change', () => {
    const groups = groupChanges('7', [txn('agent', 'Correspond', '01'), txn('agent', 'Status', '03', ['open', 'resolved'])], rules);
    expect(groups).toHaveLength(2);
  });

  it('a reaction that opens the list is an echo only when the transaction before it was the hub’s', () => {
    const reaction = [txn('RT_System', 'Status', '01', ['resolved', 'open'])];
    expect(groupChanges('7', reaction, rules, 'drehscheibe')[0].echo).toBe(true);
    expect(groupChanges('7', reaction, rules, 'agent')[0].echo).toBe(false);
  });
});

describe('statusesAfter', () => {
  it('gives each change the status it left, not the status now', () => {
    const groups = groupChanges(
      '7',
      [
        txn('agent', 'Correspond', '01'),
        txn('drehscheibe', 'Status', '10', ['new', 'stalled']),
        txn('agent', 'Correspond', '20'),
        txn('agent', 'Status', '20', ['stalled', 'resolved']),
      ],
      rules,
    );
    expect(statusesAfter(groups, 'resolved')).toEqual(['new', 'stalled', 'resolved']);
  });

  it('a change whose status moves back where it was has no status change', () => {
    const [group] = groupChanges('7', [txn('agent', 'Status', '01', ['open', 'stalled']), txn('agent', 'Status', '01', ['stalled', 'open'])], rules);
    expect(statusChangeOf(group)).toBeUndefined();
  });
});
