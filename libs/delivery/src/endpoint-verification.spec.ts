import { endpointAdmission, type HealthSnapshot } from '@drehscheibe/delivery';

const url = 'https://tickets.example.org/hook';
const now = Date.parse('2026-12-01T10:00:00Z');
const row = (overrides: Partial<HealthSnapshot>): HealthSnapshot => ({
  circuit: 'closed',
  paused: false,
  nextProbeAt: null,
  consecutiveFailures: 0,
  endpointUrl: url,
  verification: 'verified',
  nextVerificationAt: null,
  ...overrides,
});

describe('endpointAdmission', () => {
  it('lets deliveries go only to the verified URL the row is about', () => {
    expect(endpointAdmission(url, row({}), now)).toEqual({ kind: 'open' });
    expect(endpointAdmission(url, row({ endpointUrl: 'https://old.example.org/hook' }), now)).toEqual({
      kind: 'wait',
      until: new Date(now + 1000),
      unknown: true,
    });
    expect(endpointAdmission(url, null, now)).toMatchObject({ kind: 'wait', unknown: true });
    expect(endpointAdmission(url, row({ verification: 'pending' }), now)).toEqual({ kind: 'wait', until: new Date(now + 1000), unknown: false });
  });

  it('holds deliveries to a failed endpoint until its next handshake', () => {
    const next = new Date(now + 30_000);
    expect(endpointAdmission(url, row({ verification: 'failed', nextVerificationAt: next }), now)).toEqual({ kind: 'wait', until: next, unknown: false });
  });

  it('has nothing to say about a participant without an endpoint', () => {
    expect(endpointAdmission(null, null, now)).toEqual({ kind: 'open' });
  });
});
