import { isoAt, isoOf } from './instant';
import type { Severity } from './signal';
import type { AlertOverflow, AlertRecord, WorkloadState } from './workload-state';

/**
 * How long a firing alert may go unmentioned before it stops counting as pressure, when the
 * workload does not say (`alertSilenceSeconds`): three of Alertmanager's default 4 h repeat intervals.
 */
export const DEFAULT_ALERT_SILENCE_SECONDS = 43_200;

/** How long an applied dedup key, a resolved alert and a stopped task record are remembered. */
export const MEMORY_SECONDS = 48 * 3600;

/**
 * Caps on what one workload's state item remembers, so nothing that arrives can push it past
 * DynamoDB's 400 KB item limit (test/unit/core/state-size.test.ts builds the largest state these
 * allow, with the longest identifiers the edges let through, and measures it). A storm of distinct
 * alerts beyond MAX_TRACKED_ALERTS is summarised in `alertOverflow` instead of being kept.
 */
export const MAX_APPLIED_KEYS = 200;
/**
 * A hundred alerts by name tell an operator what fires; beyond that a storm is counted. Every
 * decision rewrites the whole state item, and DynamoDB bills a write by its size (a WCU per KB),
 * so each alert kept costs on every decision of a storm, and copying and scanning them was most
 * of a storm decision's CPU (200 kept: 35,000 storm signals/s of one core, 100 kept: 52,000).
 */
export const MAX_TRACKED_ALERTS = 100;
export const MAX_STOPPED_TASKS = 20;
/** Buckets of the forgotten-alert marks: bounded memory, and few alerts share a mark. */
export const FORGOTTEN_BUCKETS = 256;

/**
 * UTF-16 units of a firing alert's summary the state keeps, and how many alerts keep one: the edge
 * allows 256 units on every alert, which MAX_TRACKED_ALERTS alerts could not fit beside the rest
 * of the item; a storm's alerts beyond these are listed by key only.
 */
export const MAX_KEPT_SUMMARY = 64;
export const MAX_SUMMARISED_ALERTS = 20;

/** A summary cut to MAX_KEPT_SUMMARY at a code point boundary, an ellipsis saying it was cut. */
export function keptSummary(summary: string): string {
  if (summary.length <= MAX_KEPT_SUMMARY) return summary;
  let kept = '';
  for (const point of summary) {
    if (kept.length + point.length > MAX_KEPT_SUMMARY - 1) break;
    kept += point;
  }
  return `${kept}…`;
}

/** Kept for the decision log and `status`, which name these limits. */
export const MAX_RESOLVED_ALERTS = MAX_TRACKED_ALERTS;

/**
 * The bucket of an alert key among the forgotten-alert marks (FNV-1a): stable across processes
 * and versions, since the marks are stored.
 */
export function forgottenBucket(alertKey: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < alertKey.length; i++) {
    hash ^= alertKey.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return String((hash >>> 0) % FORGOTTEN_BUCKETS);
}

/**
 * Whether an alert not kept in the state was forgotten at or after `observedAt`: a delivery that
 * old may be a replay of an episode whose resolution is forgotten, and must not fire it again. An
 * alert sharing a bucket with a forgotten one is held to the same mark; only a delivery older
 * than a forgotten resolution is refused, never a fresh one.
 */
export function forgottenSince(
  state: WorkloadState,
  alertKey: string,
  observedAt: string,
): string | undefined {
  const mark = state.forgotten?.[forgottenBucket(alertKey)];
  return mark !== undefined && observedAt <= mark ? mark : undefined;
}

const severityRank: Record<Severity, number> = { info: 0, warning: 1, critical: 2 };

/**
 * Bounds the state: drops dedup keys and stopped task records past MEMORY_SECONDS or beyond their
 * caps, and keeps at most MAX_TRACKED_ALERTS alert records. Resolved records go first, oldest
 * first, each leaving its observedAt as its bucket's mark; if firing alerts alone are too many,
 * the least recently seen are summarised in `alertOverflow` (still pressure, counted, not named).
 */
export function forget(state: WorkloadState, now: Date): WorkloadState {
  const nowIso = isoOf(now);
  const horizon = isoAt(now.getTime() - MEMORY_SECONDS * 1000);
  // Most decisions forget nothing: each part is only rebuilt when something in it must go, since
  // copying hundreds of entries per decision was most of the core's time.
  const alerts = forgetAlerts(state, horizon);
  const applied = appliedToForget(state.applied, nowIso)
    ? Object.fromEntries(
        newest(
          Object.entries(state.applied).filter(([, until]) => until > nowIso),
          ([, until]) => until,
          MAX_APPLIED_KEYS,
        ),
      )
    : state.applied;
  const tasks = stoppedToForget(state.tasks, horizon, nowIso)
    ? forgetTasks(state.tasks, horizon, nowIso)
    : state.tasks;
  if (alerts === state && applied === state.applied && tasks === state.tasks) return state;
  return { ...alerts, applied, tasks };
}

function appliedToForget(applied: WorkloadState['applied'], nowIso: string): boolean {
  let count = 0;
  for (const key in applied) {
    if ((applied[key] as string) <= nowIso) return true;
    count++;
  }
  return count > MAX_APPLIED_KEYS;
}

function stoppedToForget(tasks: WorkloadState['tasks'], horizon: string, nowIso: string): boolean {
  let stopped = 0;
  for (const key in tasks) {
    const task = tasks[key];
    if (task?.status !== 'stopped') continue;
    if ((task.stoppedAt ?? nowIso) <= horizon) return true;
    stopped++;
  }
  return stopped > MAX_STOPPED_TASKS;
}

function forgetTasks(tasks: WorkloadState['tasks'], horizon: string, nowIso: string): WorkloadState['tasks'] {
  const taskEntries = Object.entries(tasks);
  const stopped = newest(
    taskEntries.filter(([, t]) => t.status === 'stopped' && (t.stoppedAt ?? nowIso) > horizon),
    ([, t]) => t.stoppedAt ?? nowIso,
    MAX_STOPPED_TASKS,
  );
  return Object.fromEntries([...taskEntries.filter(([, t]) => t.status !== 'stopped'), ...stopped]);
}

function forgetAlerts(state: WorkloadState, horizon: string): WorkloadState {
  let count = 0;
  let anyExpired = false;
  for (const key in state.alerts) {
    const alert = state.alerts[key] as AlertRecord;
    count++;
    if (alert.state === 'resolved' && alert.observedAt <= horizon) anyExpired = true;
  }
  if (count <= MAX_TRACKED_ALERTS && !anyExpired) return state;
  const entries = Object.entries(state.alerts);
  const expired = entries.filter(([, a]) => a.state === 'resolved' && a.observedAt <= horizon);
  const marks: Record<string, string> = { ...state.forgotten };
  const mark = (key: string, at: string) => {
    const bucket = forgottenBucket(key);
    if ((marks[bucket] ?? '') < at) marks[bucket] = at;
  };
  for (const [key, alert] of expired) mark(key, alert.observedAt);
  let kept = entries.filter(([, a]) => !(a.state === 'resolved' && a.observedAt <= horizon));
  let overflow = state.alertOverflow;
  if (kept.length > MAX_TRACKED_ALERTS) {
    // Trimmed to three quarters of the cap, so a state at its cap is sorted once per many decisions.
    const target = Math.floor((MAX_TRACKED_ALERTS * 3) / 4);
    const resolved = kept
      .filter(([, a]) => a.state === 'resolved')
      .sort(([, a], [, b]) => a.observedAt.localeCompare(b.observedAt));
    const firing = kept
      .filter(([, a]) => a.state === 'firing')
      .sort(([, a], [, b]) => seenAt(a).localeCompare(seenAt(b)));
    const dropResolved = resolved.slice(0, Math.max(0, kept.length - target));
    for (const [key, alert] of dropResolved) mark(key, alert.observedAt);
    const firingToDrop = Math.max(0, kept.length - dropResolved.length - target);
    const summarised = firing.slice(0, firingToDrop);
    overflow = summarise(
      overflow,
      summarised.map(([, a]) => a),
    );
    const dropped = new Set([...dropResolved, ...summarised].map(([key]) => key));
    kept = kept.filter(([key]) => !dropped.has(key));
  }
  const { alertOverflow: _old, ...rest } = state;
  return {
    ...rest,
    alerts: Object.fromEntries(kept),
    forgotten: marks,
    ...(overflow ? { alertOverflow: overflow } : {}),
  };
}

const seenAt = (alert: AlertRecord): string => alert.lastSeenAt ?? alert.observedAt;

/** Firing alerts folded into the storm summary: counted, the highest severity and value kept. */
export function summarise(
  overflow: AlertOverflow | undefined,
  alerts: readonly AlertRecord[],
): AlertOverflow | undefined {
  if (alerts.length === 0) return overflow;
  let result = overflow;
  for (const alert of alerts) {
    const seen = seenAt(alert);
    const value =
      alert.value === undefined
        ? result?.value
        : Math.max(alert.value, result?.value ?? Number.NEGATIVE_INFINITY);
    result = {
      alerts: (result?.alerts ?? 0) + 1,
      severity:
        result && severityRank[result.severity] >= severityRank[alert.severity]
          ? result.severity
          : alert.severity,
      ...(value !== undefined ? { value } : {}),
      since: result && result.since < alert.observedAt ? result.since : alert.observedAt,
      newest: result && result.newest > alert.observedAt ? result.newest : alert.observedAt,
      lastSeenAt: result && result.lastSeenAt > seen ? result.lastSeenAt : seen,
    };
  }
  return result;
}

/**
 * The newest entries by `key` once there are more than `limit`. It trims to three quarters of the
 * limit, so a state at its cap is sorted once per many decisions rather than on every one.
 */
function newest<T>(entries: T[], key: (entry: T) => string, limit: number): T[] {
  if (entries.length <= limit) return entries;
  return [...entries].sort((a, b) => key(b).localeCompare(key(a))).slice(0, Math.floor((limit * 3) / 4));
}
