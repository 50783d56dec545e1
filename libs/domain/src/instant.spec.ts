import { formatInstant, parseInstant } from '@drehscheibe/domain';

describe('parseInstant', () => {
  it('parses ordinary timestamps with offsets', () => {
    expect(parseInstant('2026-11-23T10:00:00+01:00').toISOString()).toBe('2026-11-23T09:00:00.000Z');
  });

  it('maps a leap second to the millisecond before it', () => {
    expect(parseInstant('2016-12-31T23:59:60Z').toISOString()).toBe('2016-12-31T23:59:59.999Z');
    expect(parseInstant('2017-01-01T00:59:60.5+01:00').toISOString()).toBe('2016-12-31T23:59:59.999Z');
  });

  it('refuses what is no timestamp', () => {
    expect(() => parseInstant('tomorrow')).toThrow(RangeError);
  });
});

describe('formatInstant', () => {
  it('writes a date as the contract’s timestamp and leaves an absent one absent', () => {
    expect(formatInstant(new Date(Date.UTC(2026, 10, 23, 9)))).toBe('2026-11-23T09:00:00.000Z');
    expect(formatInstant(null)).toBeUndefined();
    expect(formatInstant(undefined)).toBeUndefined();
  });
});
