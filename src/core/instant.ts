/**
 * ISO-8601 text of an instant, UTC with milliseconds: the form every time in the state takes, so
 * text order is time order. Date#toISOString was a tenth of a decision's CPU time: the date part
 * is formatted once per day here, the time of day by hand. The result depends on the instant alone.
 */
const DAY_MS = 86_400_000;
const MAX_DATE_MS = 8.64e15;
/** Date parts by the day's first instant: a decision formats now and instants days before it. */
const dayPrefixes = new Map<number, string>();
const KEPT_DAYS = 64;

const pad2 = (n: number): string => (n < 10 ? `0${n}` : `${n}`);
const pad3 = (n: number): string => (n < 10 ? `00${n}` : n < 100 ? `0${n}` : `${n}`);

export function isoAt(instant: number): string {
  // Beyond what Date represents (or not a number), Date throws its RangeError.
  if (!(Math.abs(instant) <= MAX_DATE_MS)) return new Date(instant).toISOString();
  // Date drops a fraction of a millisecond toward zero: so does this.
  const epochMs = Math.trunc(instant);
  const dayStart = Math.floor(epochMs / DAY_MS) * DAY_MS;
  let prefix = dayPrefixes.get(dayStart);
  if (prefix === undefined) {
    if (dayPrefixes.size >= KEPT_DAYS) dayPrefixes.clear();
    prefix = new Date(dayStart).toISOString().slice(0, -13);
    dayPrefixes.set(dayStart, prefix);
  }
  const ofDay = epochMs - dayStart;
  const ms = ofDay % 1000;
  const seconds = Math.floor(ofDay / 1000);
  return `${prefix}${pad2(Math.floor(seconds / 3600))}:${pad2(Math.floor(seconds / 60) % 60)}:${pad2(seconds % 60)}.${pad3(ms)}Z`;
}

export const isoOf = (instant: Date): string => isoAt(instant.getTime());
