import { DomainError } from '@drehscheibe/domain';
import { chooseAssignee } from '@drehscheibe/routing';

const active = (id: string) => ({ id, status: 'active' as const });

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
    expect(chooseAssignee({ originId: 'mila', operator: active('bela') })).toBe('bela');
  });

  it('routes to an explicit active target', () => {
    expect(chooseAssignee({ originId: 'mila', operator: active('bela'), explicitId: 'vendor', explicit: active('vendor') })).toBe('vendor');
  });

  it('says why a ticket cannot be routed', () => {
    expect(reason(() => chooseAssignee({ originId: 'mila', operator: active('bela'), explicitId: 'ghost', explicit: null }))).toBe('unknown-participant');
    expect(reason(() => chooseAssignee({ originId: 'mila', operator: active('bela'), explicitId: 'x', explicit: { id: 'x', status: 'suspended' } }))).toBe('participant-suspended');
    expect(reason(() => chooseAssignee({ originId: 'mila', operator: active('mila') }))).toBe('origin-is-operator');
    expect(reason(() => chooseAssignee({ originId: 'mila', operator: { id: 'bela', status: 'suspended' } }))).toBe('operator-suspended');
    expect(reason(() => chooseAssignee({ originId: 'mila', operator: active('bela'), explicitId: 'mila', explicit: active('mila') }))).toBe('self-assignment');
  });
});
