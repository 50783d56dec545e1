import { retryDelayMs } from '@drehscheibe/availability';

describe('retryDelayMs', () => {
  it('doubles per attempt between half and full of the exponential step', () => {
    expect(retryDelayMs(1, 1000, 1e9, () => 0)).toBe(500);
    expect(retryDelayMs(1, 1000, 1e9, () => 0.999999)).toBe(1000);
    expect(retryDelayMs(4, 1000, 1e9, () => 0)).toBe(4000);
  });

  it('caps the step at the maximum', () => {
    expect(retryDelayMs(30, 1000, 60_000, () => 0.999999)).toBe(60_000);
  });

  it('spreads the default schedule over about a day', () => {
    let total = 0;
    for (let attempt = 1; attempt < 20; attempt++) total += retryDelayMs(attempt, 5000, 4 * 3_600_000, () => 0.5);
    expect(total / 3_600_000).toBeGreaterThan(18);
    expect(total / 3_600_000).toBeLessThan(36);
  });
});
