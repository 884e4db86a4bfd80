import type { WorkloadConfig } from '../config/schema';
import type { Decision, DecisionAction, SignalOutcome } from './decision';
import { digest } from './ids';
import { placeBurstTasks } from './placement';
import type { Signal } from './signal';
import {
  type AlertRecord,
  type BurstTask,
  countLive,
  firingAlertKeys,
  type PendingLaunch,
  type WorkloadState,
} from './workload-state';

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

/**
 * A workload whose burst tasks keep dying is crash-looping (a bad image, a missing secret):
 * replacing them again only burns money. After this many replacements within the window,
 * Spillway stops replacing and says so in the decision log until the window has passed.
 */
export const MAX_REPLACEMENTS = 3;
export const REPLACEMENT_WINDOW_SECONDS = 600;

export interface PolicyInput {
  readonly workload: WorkloadConfig;
  readonly state: WorkloadState;
  /** New signals for this workload, in any order; empty for a periodic evaluation. */
  readonly signals: readonly Signal[];
  readonly now: Date;
}

export interface PolicyResult {
  readonly decision: Decision;
  /** The state to write (conditionally on `state.version`); equal to the input when nothing changed. */
  readonly next: WorkloadState;
  /** False when the decision changes nothing and need not be written (an idle periodic evaluation). */
  readonly changed: boolean;
}

const addSeconds = (iso: string, seconds: number) => new Date(Date.parse(iso) + seconds * 1000);

/**
 * Applies policy to one workload: folds the signals into its alert set (ignoring duplicates and
 * stale signals), then decides to scale out, scale in, or hold. Pure: same input, same output.
 */
export function decide(input: PolicyInput): PolicyResult {
  const { workload, state, now } = input;
  const nowIso = now.toISOString();
  const signals = [...input.signals].sort(
    (a, b) => a.observedAt.localeCompare(b.observedAt) || a.dedupKey.localeCompare(b.dedupKey),
  );

  const alerts: Record<string, AlertRecord> = { ...state.alerts };
  const applied: Record<string, string> = { ...state.applied };
  const outcomes: { id: string; dedupKey: string; state: string; outcome: SignalOutcome }[] = [];
  for (const signal of signals) {
    const outcome = applySignal(signal, alerts, applied, now);
    outcomes.push({ id: signal.id, dedupKey: signal.dedupKey, state: signal.state, outcome });
  }
  const anyApplied = outcomes.some((o) => o.outcome === 'applied');
  const folded: WorkloadState = { ...state, alerts, applied };

  const { action, reason, replacement } = chooseAction(workload, folded, now);
  const decisionId = `d-${digest([workload.name, String(state.version), action.kind, ...signals.map((s) => s.dedupKey)])}`;
  const firing = firingAlertKeys(folded);
  const live = countLive(folded).total;

  const ignoredOnly = signals.length > 0 && !anyApplied;
  // A batch of only duplicates or stale signals never acts: redelivery must not change the outcome.
  const finalAction: DecisionAction = ignoredOnly ? { kind: 'ignored' } : action;
  const finalReason = ignoredOnly ? describeIgnored(outcomes) : reason;

  let next: WorkloadState = folded;
  if (finalAction.kind === 'scale_out') {
    const launches: PendingLaunch[] = finalAction.placements.map((p) => ({
      decisionId,
      region: p.region,
      count: p.count,
      requestedAt: nowIso,
      attempts: 0,
    }));
    const added = launches.reduce((sum, launch) => sum + launch.count, 0);
    next = {
      ...next,
      ...(replacement
        ? { replacements: [...(next.replacements ?? []), nowIso].slice(-MAX_REPLACEMENTS) }
        : { lastScaleOutAt: nowIso }),
      desiredTasks: countLive(folded).total + added,
      pendingLaunches: [...next.pendingLaunches, ...launches],
    };
  } else if (finalAction.kind === 'scale_in') {
    const tasks: Record<string, BurstTask> = { ...next.tasks };
    for (const { taskArn } of finalAction.tasks) {
      const task = Object.values(tasks).find((t) => t.taskArn === taskArn);
      if (task) tasks[task.taskId] = { ...task, status: 'drain_requested', drainRequestedAt: nowIso };
    }
    next = {
      ...next,
      lastScaleInAt: nowIso,
      tasks,
      desiredTasks: Math.max(workload.minBurstTasks, countLive(folded).total - finalAction.tasks.length),
    };
  }
  // Without pressure, lost tasks are not replaced: the aim drops to what is left.
  if (finalAction.kind === 'hold' && firing.length === 0 && (next.desiredTasks ?? 0) > live) {
    next = { ...next, desiredTasks: live };
  }
  next = forget(next, now);
  const changed =
    anyApplied ||
    finalAction.kind === 'scale_out' ||
    finalAction.kind === 'scale_in' ||
    next.desiredTasks !== state.desiredTasks;

  return {
    decision: {
      id: decisionId,
      workload: workload.name,
      at: nowIso,
      action: finalAction,
      reason: finalReason,
      signals: outcomes,
      liveTasks: live,
      firingAlerts: firing,
      tick: signals.length === 0,
    },
    next: changed ? next : state,
    changed,
  };
}

function applySignal(
  signal: Signal,
  alerts: Record<string, AlertRecord>,
  applied: Record<string, string>,
  now: Date,
): SignalOutcome {
  const previous = alerts[signal.alertKey];
  if (applied[signal.dedupKey] !== undefined) return 'duplicate';
  if (previous && previous.state === signal.state && previous.observedAt === signal.observedAt)
    return 'duplicate';
  // A redelivered or reordered signal older than what this alert already applied must not undo it.
  if (previous && previous.observedAt > signal.observedAt) return 'stale';
  alerts[signal.alertKey] = {
    source: signal.source,
    state: signal.state,
    severity: signal.severity,
    observedAt: signal.observedAt,
  };
  applied[signal.dedupKey] = new Date(now.getTime() + MEMORY_SECONDS * 1000).toISOString();
  return 'applied';
}

function chooseAction(
  workload: WorkloadConfig,
  state: WorkloadState,
  now: Date,
): { action: DecisionAction; reason: string; replacement?: boolean } {
  const live = countLive(state);
  const firing = firingAlertKeys(state);
  const hold = (reason: string) => ({ action: { kind: 'hold' } as const, reason });
  const max = workload.maxBurstTasks;

  if (live.total < workload.minBurstTasks) {
    const placements = placeBurstTasks(workload, live.byRegion, workload.minBurstTasks - live.total);
    if (placements.length === 0) return hold(`below minBurstTasks but every burst region is full`);
    return {
      action: { kind: 'scale_out', placements },
      reason: `below minBurstTasks (${live.total}/${workload.minBurstTasks}): ${describePlacements(placements)}`,
    };
  }

  const desired = Math.min(state.desiredTasks ?? 0, max);
  if (firing.length > 0 && live.total < desired && state.pendingLaunches.length === 0) {
    const recent = (state.replacements ?? []).filter(
      (at) => addSeconds(at, REPLACEMENT_WINDOW_SECONDS) > now,
    );
    const lost = desired - live.total;
    if (recent.length >= MAX_REPLACEMENTS) {
      const until = addSeconds(recent[0] as string, REPLACEMENT_WINDOW_SECONDS);
      return hold(
        `crash loop: ${recent.length} replacements since ${recent[0]}; ${lost} lost task(s) not replaced until ${until.toISOString()}`,
      );
    }
    const placements = placeBurstTasks(workload, live.byRegion, lost);
    if (placements.length > 0) {
      return {
        action: { kind: 'scale_out', placements },
        reason: `replacing ${lost} burst task(s) that stopped on their own while ${firing.length} alert(s) fire: ${describePlacements(placements)}`,
        replacement: true,
      };
    }
  }

  if (firing.length > 0) {
    if (live.total >= max)
      return hold(`${firing.length} alert(s) firing but at maxBurstTasks (${live.total}/${max})`);
    if (state.lastScaleOutAt) {
      const until = addSeconds(state.lastScaleOutAt, workload.scaleOutCooldownSeconds);
      if (now < until)
        return hold(
          `${firing.length} alert(s) firing; not scaled out because cooldown until ${until.toISOString()}`,
        );
    }
    const wanted = Math.min(workload.scaleOutStep, max - live.total);
    const placements = placeBurstTasks(workload, live.byRegion, wanted);
    if (placements.length === 0)
      return hold(`${firing.length} alert(s) firing but every burst region is at its max`);
    return {
      action: { kind: 'scale_out', placements },
      reason: `${firing.length} alert(s) firing (${firing.join(', ')}): ${describePlacements(placements)}`,
    };
  }

  const drainable = Object.values(state.tasks).filter((t) => t.status === 'running');
  // What stays once the drains under way finish: the floor is kept against that, not the live count.
  const leaving = Object.values(state.tasks).filter(
    (t) => t.status !== 'running' && t.status !== 'stopped',
  ).length;
  const above = live.total - leaving - workload.minBurstTasks;
  if (drainable.length === 0 || above <= 0) {
    return hold(
      live.total === 0 ? 'no alert firing and no burst tasks' : 'no alert firing; nothing left to drain',
    );
  }
  const lastAction = [state.lastScaleOutAt, state.lastScaleInAt]
    .filter((t): t is string => !!t)
    .sort()
    .at(-1);
  if (lastAction) {
    const until = addSeconds(lastAction, workload.scaleInCooldownSeconds);
    if (now < until)
      return hold(`no alert firing; not scaled in because cooldown until ${until.toISOString()}`);
  }
  const victims = chooseDrainVictims(workload, drainable, Math.min(workload.scaleInStep, above));
  return {
    action: { kind: 'scale_in', tasks: victims.map((t) => ({ taskArn: t.taskArn, region: t.region })) },
    reason: `no alert firing: draining ${victims.length} task(s) (${live.total} live, min ${workload.minBurstTasks})`,
  };
}

/** Least preferred region first, then the newest task: the preferred region keeps its capacity longest. */
function chooseDrainVictims(
  workload: WorkloadConfig,
  tasks: readonly BurstTask[],
  count: number,
): BurstTask[] {
  const rank = new Map(workload.burstRegions.map((r, i) => [r.region, i]));
  return [...tasks]
    .sort(
      (a, b) =>
        (rank.get(b.region) ?? 0) - (rank.get(a.region) ?? 0) ||
        b.startedAt.localeCompare(a.startedAt) ||
        a.taskId.localeCompare(b.taskId),
    )
    .slice(0, count);
}

/** Drops dedup keys, resolved alerts and stopped task records older than MEMORY_SECONDS. */
function forget(state: WorkloadState, now: Date): WorkloadState {
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

function describePlacements(placements: readonly { region: string; count: number }[]): string {
  return `start ${placements.map((p) => `${p.count} in ${p.region}`).join(', ')}`;
}

function describeIgnored(outcomes: readonly { dedupKey: string; outcome: SignalOutcome }[]): string {
  const duplicates = outcomes.filter((o) => o.outcome === 'duplicate').length;
  const stale = outcomes.filter((o) => o.outcome === 'stale').length;
  const parts = [];
  if (duplicates > 0) parts.push(`${duplicates} duplicate signal(s) already applied`);
  if (stale > 0) parts.push(`${stale} stale signal(s) older than the state already applied`);
  return `ignored: ${parts.join('; ')}`;
}
