/**
 * Parses an RFC 3339 timestamp the contract has already accepted. RFC 3339
 * allows a leap second (`23:59:60`), which JavaScript dates cannot hold; it
 * becomes the last millisecond before it.
 */
export function parseInstant(value: string): Date {
  const date = new Date(value);
  if (!Number.isNaN(date.getTime())) return date;
  const leap = /^(.*T\d{2}:\d{2}:)60(\.\d+)?(.*)$/i.exec(value);
  if (leap) {
    const clamped = new Date(`${leap[1]}59.999${leap[3]}`);
    if (!Number.isNaN(clamped.getTime())) return clamped;
  }
  throw new RangeError(`not a timestamp: ${value}`);
}

/** The contract's timestamp for a stored date; an absent one (null) stays absent, for `omitAbsent`. */
export function formatInstant(date: Date | null | undefined): string | undefined {
  return date ? date.toISOString() : undefined;
}
