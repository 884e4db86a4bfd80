import type { WorkloadState } from './workload-state';

/** How long an applied dedup key, a resolved alert and a stopped task record are remembered. */
export const MEMORY_SECONDS = 48 * 3600;

/**
 * Caps on what one workload's state item remembers, so a storm of distinct alerts cannot push it
 * past DynamoDB's 400 KB item limit. The newest entries are kept; a duplicate older than what is
 * kept is still recognised as stale by its alert's observedAt.
 */
export const MAX_APPLIED_KEYS = 256;
export const MAX_RESOLVED_ALERTS = 256;
export const MAX_STOPPED_TASKS = 100;

/** Drops dedup keys, resolved alerts and stopped task records older than MEMORY_SECONDS. */
export function forget(state: WorkloadState, now: Date): WorkloadState {
  const nowIso = now.toISOString();
  const horizon = new Date(now.getTime() - MEMORY_SECONDS * 1000).toISOString();
  const applied = newest(
    Object.entries(state.applied).filter(([, until]) => until > nowIso),
    ([, until]) => until,
    MAX_APPLIED_KEYS,
  );
  const alertEntries = Object.entries(state.alerts);
  const resolved = newest(
    alertEntries.filter(([, a]) => a.state === 'resolved' && a.observedAt > horizon),
    ([, a]) => a.observedAt,
    MAX_RESOLVED_ALERTS,
  );
  const alerts = Object.fromEntries([...alertEntries.filter(([, a]) => a.state === 'firing'), ...resolved]);
  const taskEntries = Object.entries(state.tasks);
  const stopped = newest(
    taskEntries.filter(([, t]) => t.status === 'stopped' && (t.stoppedAt ?? nowIso) > horizon),
    ([, t]) => t.stoppedAt ?? nowIso,
    MAX_STOPPED_TASKS,
  );
  const tasks = Object.fromEntries([...taskEntries.filter(([, t]) => t.status !== 'stopped'), ...stopped]);
  return { ...state, applied: Object.fromEntries(applied), alerts, tasks };
}

/**
 * The newest entries by `key` once there are more than `limit`. It trims to three quarters of the
 * limit, so a state at its cap is sorted once per many decisions rather than on every one.
 */
function newest<T>(entries: T[], key: (entry: T) => string, limit: number): T[] {
  if (entries.length <= limit) return entries;
  return [...entries].sort((a, b) => key(b).localeCompare(key(a))).slice(0, Math.floor((limit * 3) / 4));
}
