import { revocationReason, type ClientStatus } from '@drehscheibe/registry';

const active: ClientStatus = {
  participantId: 'p1',
  enabled: true,
  participantActive: true,
  secretGeneration: 3,
  previousSecretExpiresAt: null,
  rateLimit: null,
  requestSigning: 'optional',
};
const now = Date.parse('2026-12-01T10:00:00Z');

describe('revocationReason', () => {
  it('lets a token of the current secret act while its client is enabled and its participant active', () => {
    expect(revocationReason(active, 3, now)).toBeNull();
  });

  it('names why a token must be refused', () => {
    expect(revocationReason(null, 3, now)).toMatch(/deleted/);
    expect(revocationReason({ ...active, enabled: false }, 3, now)).toMatch(/disabled/);
    expect(revocationReason({ ...active, participantActive: false }, 3, now)).toMatch(/suspended/);
    expect(revocationReason(active, 2, now)).toMatch(/rotated/);
    expect(revocationReason(active, 4, now)).toMatch(/rotated/);
  });

  it('accepts the previous secret’s tokens only until the overlap ends, and never older ones', () => {
    const overlapping = { ...active, previousSecretExpiresAt: now + 1000 };
    expect(revocationReason(overlapping, 2, now)).toBeNull();
    expect(revocationReason(overlapping, 2, now + 1000)).toMatch(/rotated/);
    expect(revocationReason(overlapping, 1, now)).toMatch(/rotated/);
  });
});
