import { DomainError } from '@drehscheibe/domain';
import { chooseAssignee, type RoutableParticipant, type RoutingRule } from '@drehscheibe/routing';

const active = (id: string) => ({ id, status: 'active' as const });
const participants = new Map<string, RoutableParticipant>([
  ['bela', active('bela')],
  ['hb-desk', active('hb-desk')],
  ['vendor', active('vendor')],
  ['mila', active('mila')],
  ['sleeping', { id: 'sleeping', status: 'suspended' as const }],
]);
const base = { origin: { id: 'mila', land: 'DE-NW' }, serviceId: 'svc-a', operator: active('bela'), participant: (id: string) => participants.get(id) };
const rule = (overrides: Partial<RoutingRule>): RoutingRule => ({
  id: 'r1',
  position: 10,
  serviceId: null,
  originLand: null,
  category: null,
  targetId: 'vendor',
  enabled: true,
  ...overrides,
});

function reason(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(DomainError);
    expect((e as DomainError).code).toBe('unroutable');
    return (e as DomainError).details.reason;
  }
  throw new Error('expected unroutable');
}

describe('chooseAssignee', () => {
  it("routes to the service's operator by default", () => {
    expect(chooseAssignee(base)).toEqual({ assigneeId: 'bela', via: { kind: 'operator' } });
  });

  it('routes to an explicit active target before any rule', () => {
    const decision = chooseAssignee({ ...base, rules: [rule({})], explicitId: 'hb-desk', explicit: active('hb-desk') });
    expect(decision).toEqual({ assigneeId: 'hb-desk', via: { kind: 'explicit' } });
  });

  it('applies the first matching rule in position order, not in list order', () => {
    const rules = [rule({ id: 'late', position: 20, targetId: 'hb-desk' }), rule({ id: 'early', position: 5, originLand: 'DE-NW', targetId: 'vendor' })];
    expect(chooseAssignee({ ...base, rules })).toEqual({ assigneeId: 'vendor', via: { kind: 'rule', ruleId: 'early' } });
  });

  it('matches origin Land, service and category (with sub-categories)', () => {
    const rules = [
      rule({ originLand: 'DE-HB', targetId: 'hb-desk' }),
      rule({ id: 'pay', position: 20, serviceId: 'svc-a', category: 'payment', targetId: 'vendor' }),
    ];
    expect(chooseAssignee({ ...base, rules }).assigneeId).toBe('bela');
    expect(chooseAssignee({ ...base, rules, category: 'payment.refund' }).assigneeId).toBe('vendor');
    expect(chooseAssignee({ ...base, rules, category: 'paymentx' }).assigneeId).toBe('bela');
    expect(chooseAssignee({ ...base, rules, serviceId: 'svc-b', category: 'payment' }).assigneeId).toBe('bela');
    expect(chooseAssignee({ ...base, rules, origin: { id: 'mila', land: 'DE-HB' } }).assigneeId).toBe('hb-desk');
  });

  it('skips disabled rules', () => {
    expect(chooseAssignee({ ...base, rules: [rule({ enabled: false })] }).assigneeId).toBe('bela');
  });

  it('says why a ticket cannot be routed', () => {
    expect(reason(() => chooseAssignee({ ...base, explicitId: 'ghost', explicit: null }))).toBe('unknown-participant');
    expect(reason(() => chooseAssignee({ ...base, explicitId: 'sleeping', explicit: participants.get('sleeping') }))).toBe('participant-suspended');
    expect(reason(() => chooseAssignee({ ...base, explicitId: 'mila', explicit: active('mila') }))).toBe('self-assignment');
    expect(reason(() => chooseAssignee({ ...base, operator: active('mila') }))).toBe('origin-is-operator');
    expect(reason(() => chooseAssignee({ ...base, operator: { id: 'bela', status: 'suspended' } }))).toBe('operator-suspended');
    expect(reason(() => chooseAssignee({ ...base, rules: [rule({ targetId: 'sleeping' })] }))).toBe('rule-target-inactive');
    expect(reason(() => chooseAssignee({ ...base, rules: [rule({ targetId: 'mila' })] }))).toBe('origin-is-rule-target');
  });
});
