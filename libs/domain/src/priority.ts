/** 1 high, 2 medium, 3 low — codelists `impact` and `urgency`. */
export type Level = 1 | 2 | 3;
/** 1 critical … 5 planning — codelist `priority`. */
export type Priority = 1 | 2 | 3 | 4 | 5;

/**
 * The ITIL priority matrix. Priority is derived, never sent, so that every
 * participating ticket system reads the same urgency into a ticket (A04).
 */
const MATRIX: Record<Level, Record<Level, Priority>> = {
  1: { 1: 1, 2: 2, 3: 3 },
  2: { 1: 2, 2: 3, 3: 4 },
  3: { 1: 3, 2: 4, 3: 5 },
};

export function derivePriority(impact: Level, urgency: Level): Priority {
  const priority = MATRIX[impact]?.[urgency];
  if (priority === undefined) throw new RangeError(`impact ${impact} × urgency ${urgency} is outside the ITIL matrix`);
  return priority;
}
