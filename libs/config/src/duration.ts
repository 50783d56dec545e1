/**
 * A period as an ISO 8601 duration of weeks, days, hours, minutes and seconds
 * (`P14D`, `P2W`, `PT36H`, `P1DT12H`): no years or months, whose length
 * varies. The same pattern is in the contract (`AutoCloseAfter`) and in the
 * database's check of `services.auto_close_after`.
 */
export const PERIOD_PATTERN = '^P(?!$)([0-9]+W|([0-9]+D)?(T(?=[0-9])([0-9]+H)?([0-9]+M)?([0-9]+S)?)?)$';

const PERIOD = new RegExp(PERIOD_PATTERN);
const PARTS = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/;

export function isPeriod(text: string): boolean {
  return PERIOD.test(text);
}

/** The period's length in seconds (a day is 24 hours, as PostgreSQL's `extract(epoch from interval)` counts it); throws on anything else. */
export function periodSeconds(text: string): number {
  const m = PARTS.exec(text);
  if (!m || !isPeriod(text)) throw new Error(`not an ISO 8601 period of weeks, days, hours, minutes and seconds: ${text}`);
  const [w, d, h, min, s] = m.slice(1).map((n) => Number(n ?? 0));
  return (((w * 7 + d) * 24 + h) * 60 + min) * 60 + s;
}
