import { connectorHealth } from './connector-configs.js';

describe('connectorHealth', () => {
  const now = Date.parse('2026-12-02T10:00:00Z');
  const ago = (ms: number) => new Date(now - ms);
  const state = (lastPollAt: Date | null, lastSuccessAt: Date | null, consecutiveFailures = 0) => ({ lastPollAt, lastSuccessAt, consecutiveFailures });

  it('is disabled when not enabled, whatever the state says', () => {
    expect(connectorHealth(false, 2000, state(ago(1000), null, 9), now)).toBe('disabled');
  });

  it('is idle until the first poll, and failing when no replica polled it for a minute (or five poll intervals) after it was configured', () => {
    expect(connectorHealth(true, 2000, null, now)).toBe('idle');
    expect(connectorHealth(true, 2000, state(null, null), now)).toBe('idle');
    expect(connectorHealth(true, 2000, null, now, ago(60_000))).toBe('idle');
    expect(connectorHealth(true, 2000, null, now, ago(60_001))).toBe('failing');
    expect(connectorHealth(true, 30_000, null, now, ago(120_000))).toBe('idle');
    expect(connectorHealth(true, 30_000, null, now, ago(150_001))).toBe('failing');
  });

  it('fails from the third failure in a row', () => {
    expect(connectorHealth(true, 2000, state(ago(100), ago(2000), 2), now)).toBe('ok');
    expect(connectorHealth(true, 2000, state(ago(100), ago(2000), 3), now)).toBe('failing');
    expect(connectorHealth(true, 2000, state(ago(100), null, 3), now)).toBe('failing');
  });

  it('fails when the last success is older than five poll intervals', () => {
    expect(connectorHealth(true, 2000, state(ago(100), ago(10_000)), now)).toBe('ok');
    expect(connectorHealth(true, 2000, state(ago(100), ago(10_001)), now)).toBe('failing');
    expect(connectorHealth(true, 60_000, state(ago(100), ago(200_000)), now)).toBe('ok');
  });

  it('is ok for a new connector whose first polls failed fewer than three times', () => {
    expect(connectorHealth(true, 2000, state(ago(100), null, 1), now)).toBe('ok');
  });
});
