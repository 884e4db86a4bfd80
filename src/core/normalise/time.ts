import { isoAt } from '../instant';
import type { Rejection } from './result';
import { reject } from './result';

/**
 * The timestamp rule at the edge, for every source (documented in docs/ingest.md):
 * - before 2000-01-01T00:00:00Z: rejected (400 naming the field); no monitor observes that;
 * - more than 24 hours ahead of Spillway's clock: rejected, as a broken or hostile clock;
 * - more than 5 minutes ahead: clamped to now, so a skewed clock cannot make a signal win every
 *   later comparison of the stale check;
 * - anything else is kept as the source sent it, converted to UTC with milliseconds.
 * Dedup keys are built from the sender's own text, never from the clamped time, so redeliveries
 * still deduplicate.
 */
export const EARLIEST_OBSERVED_AT = Date.UTC(2000, 0, 1);
export const FUTURE_CLAMP_MS = 5 * 60 * 1000;
export const FUTURE_REJECT_MS = 24 * 60 * 60 * 1000;

export type ObservedTime = { readonly ok: true; readonly iso: string } | Rejection;

/** Reads `raw` (ISO-8601 text, or Unix seconds or milliseconds) under the rule above. */
export function observedTime(raw: string | number, now: Date, field: string): ObservedTime {
  const millis = toMillis(raw);
  if (millis === undefined || Number.isNaN(millis)) {
    return reject('malformed', `${field}: not a time: ${String(raw).slice(0, 40)}`, [field]);
  }
  if (millis < EARLIEST_OBSERVED_AT) {
    return reject('malformed', `${field}: ${String(raw).slice(0, 40)} is before 2000`, [field]);
  }
  const ahead = millis - now.getTime();
  if (ahead > FUTURE_REJECT_MS) {
    return reject('malformed', `${field}: more than 24 hours in the future`, [field]);
  }
  return { ok: true, iso: isoAt(ahead > FUTURE_CLAMP_MS ? now.getTime() : millis) };
}

const EPOCH = /^\d{1,16}(\.\d+)?$/;

function toMillis(raw: string | number): number | undefined {
  if (typeof raw === 'number') return Number.isFinite(raw) ? epochMillis(raw) : undefined;
  const text = raw.trim();
  if (EPOCH.test(text)) return epochMillis(Number(text));
  // CloudWatch writes `+0000`; ECMAScript's date format wants `+00:00`.
  const iso = text.replace(/([+-]\d\d)(\d\d)$/, '$1:$2');
  if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/i.test(iso)) return undefined;
  return Date.parse(iso);
}

/** Below 10^11 a number is seconds (until the year 5138), above it milliseconds. */
const epochMillis = (n: number) => (n < 1e11 ? n * 1000 : n);
