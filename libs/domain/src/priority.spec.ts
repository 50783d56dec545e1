import { derivePriority, type Level } from '@drehscheibe/domain';

describe('derivePriority (ITIL matrix)', () => {
  const cases: Array<[Level, Level, number]> = [
    [1, 1, 1],
    [1, 2, 2],
    [1, 3, 3],
    [2, 1, 2],
    [2, 2, 3],
    [2, 3, 4],
    [3, 1, 3],
    [3, 2, 4],
    [3, 3, 5],
  ];
  it.each(cases)('impact %i × urgency %i → priority %i', (impact, urgency, expected) => {
    expect(derivePriority(impact, urgency)).toBe(expected);
  });

  it('is symmetric in impact and urgency', () => {
    for (const [i, u] of cases) expect(derivePriority(i, u)).toBe(derivePriority(u, i));
  });

  it('refuses levels outside 1..3', () => {
    expect(() => derivePriority(4 as Level, 1)).toThrow(RangeError);
  });
});
