import type { WorkloadConfig } from '../config/schema';
import { chooseAction } from './choose-action';
import type { CommandOutcome, OperatorCommand } from './command';
import { commandDedupKey } from './command';
import { foldCommands, withControls } from './controls';
import { burstCostPerHour } from './cost';
import { type Decision, type DecisionAction, MAX_LISTED_SIGNALS, type SignalOutcome } from './decision';
import { digest } from './ids';
import {
  DEFAULT_ALERT_SILENCE_SECONDS,
  forget,
  forgottenSince,
  keptSummary,
  MAX_SUMMARISED_ALERTS,
  MAX_TRACKED_ALERTS,
  MEMORY_SECONDS,
} from './memory';
import type { Mutable } from './mutable';
import type { RegionHealthMap } from './region-health';
import { MAX_REPLACEMENTS } from './replacements';
import type { Choice, Situation } from './scale-out';
import { describePlacements } from './scale-out';
import type { Signal } from './signal';
import {
  type AlertOverflow,
  type AlertRecord,
  type BurstTask,
  countLive,
  firingAlertKeys,
  overflowKey,
  type PendingLaunch,
  stayingCount,
  type WorkloadState,
} from './workload-state';

export {
  MAX_APPLIED_KEYS,
  MAX_RESOLVED_ALERTS,
  MAX_STOPPED_TASKS,
  MAX_TRACKED_ALERTS,
  MEMORY_SECONDS,
} from './memory';

import { isoAt, isoOf } from './instant';

export { MAX_REPLACEMENTS, REPLACEMENT_WINDOW_SECONDS } from './replacements';

export interface PolicyInput {
  readonly workload: WorkloadConfig;
  readonly state: WorkloadState;
  /** New signals for this workload, in any order; empty for a periodic evaluation. */
  readonly signals: readonly Signal[];
  /** Operator commands for this workload, in any order; absent or empty for most decisions. */
  readonly commands?: readonly OperatorCommand[];
  readonly now: Date;
  /** Launch circuit breakers of the burst regions; absent regions are healthy. */
  readonly regionHealth?: RegionHealthMap;
  /**
   * Estimated cost per hour of every other workload's live burst tasks in this environment, for
   * the environment's spend guard; absent when the environment sets none.
   */
  readonly otherWorkloadsCostPerHour?: number;
  /** The environment's spend guard (`spendGuard.maxCostPerHour`), when it sets one. */
  readonly environmentMaxCostPerHour?: number;
}

export interface PolicyResult {
  readonly decision: Decision;
  /** The state to write (conditionally on `state.version`); equal to the input when nothing changed. */
  readonly next: WorkloadState;
  /** False when the decision changes nothing and need not be written (an idle periodic evaluation). */
  readonly changed: boolean;
}

/**
 * Applies policy to one workload: folds the signals into its alert set (ignoring duplicates and
 * stale signals) and the operator commands into its controls (ignoring ids already applied), then
 * decides to scale out, scale in, or hold. Pure: same input, same output.
 */
export function decide(input: PolicyInput): PolicyResult {
  const { workload, state, now } = input;
  const nowIso = isoOf(now);
  const silenceSeconds = workload.alertSilenceSeconds ?? DEFAULT_ALERT_SILENCE_SECONDS;
  // At one instant a resolution comes after the firing it ends: an alert that fired and resolved
  // within the sender's clock resolution is resolved, whichever order the queue delivered them in.
  const signals = [...input.signals].sort(
    (a, b) =>
      a.observedAt.localeCompare(b.observedAt) ||
      stateOrder[a.state] - stateOrder[b.state] ||
      a.dedupKey.localeCompare(b.dedupKey),
  );

  // Copied on the first write only: most decisions change one entry of maps of hundreds, or none.
  const memory: AlertMemory = {
    alerts: state.alerts,
    applied: state.applied,
    owned: { alerts: false, applied: false },
    overflow: state.alertOverflow,
    forgotten: state,
    refreshed: false,
    notes: [],
  };
  const outcomes: { id: string; dedupKey: string; state: string; outcome: SignalOutcome }[] = [];
  for (const signal of signals) {
    const outcome = applySignal(signal, memory, now, silenceSeconds);
    outcomes.push({ id: signal.id, dedupKey: signal.dedupKey, state: signal.state, outcome });
  }
  const silenced = silence(memory, now, silenceSeconds);
  const commands = input.commands ?? [];
  // Commands remember their ids in `applied` too: it must be this decision's own copy first.
  if (commands.length > 0 && !memory.owned.applied) {
    memory.applied = { ...memory.applied };
    memory.owned.applied = true;
  }
  const { alerts, applied } = memory;
  // An expiry alone is no reason to write (a redelivered duplicate must still change nothing):
  // expired controls are inert from now on and dropped by the next decision that writes anyway.
  const controls = foldCommands(state, commands, applied as Record<string, string>, now);
  const commandOutcomes = controls.outcomes;
  const anyApplied =
    outcomes.some((o) => o.outcome === 'applied') || commandOutcomes.some((o) => o.outcome === 'applied');
  // Bounded before deciding: a storm is decided on as the state will keep it (summarised).
  const unbounded: WorkloadState = withControls(
    withAlerts(state, alerts, applied, memory.overflow),
    controls,
  );
  const folded = forget(unbounded, now);

  // Fields set one by one rather than spread in: conditional spreads cost an object and a shape each.
  const situation: Mutable<Situation> = { workload, state: folded, now };
  if (input.regionHealth) situation.regionHealth = input.regionHealth;
  if (input.otherWorkloadsCostPerHour !== undefined)
    situation.otherWorkloadsCostPerHour = input.otherWorkloadsCostPerHour;
  if (input.environmentMaxCostPerHour !== undefined)
    situation.environmentMaxCostPerHour = input.environmentMaxCostPerHour;
  const chosen = chooseAction(situation, controls.manual);
  const decisionId = `d-${digest([
    workload.name,
    String(state.version),
    chosen.action.kind,
    ...signals.map((s) => s.dedupKey),
    ...commands.map((c) => commandDedupKey(c.id)).sort(),
  ])}`;
  const firing = firingAlertKeys(folded);
  // A readiness drill is no capacity: the aim and the log's live count leave it out.
  const counted = countLive(folded);
  const live = counted.total - counted.drills;

  const ignoredOnly = signals.length + commands.length > 0 && !anyApplied;
  // Dry-run: the decision is computed and logged as what it would have done; nothing is launched
  // or drained, so no ECS or Step Functions call follows from it.
  const acts = chosen.action.kind === 'scale_out' || chosen.action.kind === 'scale_in';
  const dryRun = folded.dryRun;
  const dry = !!dryRun && acts;
  const action: DecisionAction = dry ? { kind: 'hold' } : chosen.action;
  const reason = dry
    ? `dry-run: would ${describeAction(chosen.action)} (dry-run since ${dryRun?.since}: ${dryRun?.reason}); ${chosen.reason}`
    : chosen.reason;
  // A batch of only duplicates or stale signals never acts: redelivery must not change the outcome.
  const finalAction: DecisionAction = ignoredOnly ? { kind: 'ignored' } : action;
  const finalReason = [
    ignoredOnly ? describeIgnored(outcomes, commandOutcomes) : reason,
    ...noted(memory.notes),
  ].join('; ');

  let next: WorkloadState = folded;
  // The newest signal this batch applied: where the latency of the launch it causes starts.
  const observed = signals.filter((_, i) => outcomes[i]?.outcome === 'applied').at(-1)?.observedAt;
  if (finalAction.kind === 'scale_out')
    next = withScaleOut(next, finalAction, decisionId, nowIso, {
      ...chosen,
      ...(observed ? { observed } : {}),
    });
  else if (finalAction.kind === 'scale_in') {
    const tasks: Record<string, BurstTask> = { ...next.tasks };
    for (const { taskArn } of finalAction.tasks) {
      const task = Object.values(tasks).find((t) => t.taskArn === taskArn);
      if (task) tasks[task.taskId] = { ...task, status: 'drain_requested', drainRequestedAt: nowIso };
    }
    next = {
      ...next,
      // A move back drains what it replaced: no scale-in for the cooldown to count.
      ...(chosen.rebalance && 'finish' in chosen.rebalance ? {} : { lastScaleInAt: nowIso }),
      tasks,
      desiredTasks: Math.max(workload.minBurstTasks, stayingCount(folded) - finalAction.tasks.length),
    };
  }
  next = withRebalance(next, chosen.rebalance, finalAction, decisionId, nowIso);
  // Without pressure, lost tasks are not replaced: the aim drops to what is left. An evacuation is
  // pressure of its own: its aim stays, so the crash-loop guard keeps counting its replacements.
  if (
    finalAction.kind === 'hold' &&
    firing.length === 0 &&
    !next.evacuation &&
    (next.desiredTasks ?? 0) > live
  ) {
    next = { ...next, desiredTasks: live };
  }
  // `folded` was bounded before deciding, and deciding adds no alert, dedup key or stopped task.
  const summarised = (next.alertOverflow?.alerts ?? 0) - (unbounded.alertOverflow?.alerts ?? 0);
  const storm =
    summarised > 0
      ? `; ${summarised} firing alert(s) beyond the ${MAX_TRACKED_ALERTS} the state keeps by name are summarised as ${overflowKey(next.alertOverflow as AlertOverflow)} (pressure until resolved or silent)`
      : '';
  const changed =
    next.rebalance !== state.rebalance ||
    anyApplied ||
    memory.refreshed ||
    silenced ||
    finalAction.kind === 'scale_out' ||
    finalAction.kind === 'scale_in' ||
    next.desiredTasks !== state.desiredTasks;
  const priced = workload.burstRegions.some((r) => r.costPerTaskHour !== undefined);

  return {
    decision: {
      id: decisionId,
      workload: workload.name,
      at: nowIso,
      action: finalAction,
      reason: `${finalReason}${storm}`,
      signals: outcomes.slice(0, MAX_LISTED_SIGNALS),
      ...(outcomes.length > MAX_LISTED_SIGNALS
        ? { moreSignals: countOutcomes(outcomes.slice(MAX_LISTED_SIGNALS)) }
        : {}),
      ...(commandOutcomes.length > 0 ? { commands: commandOutcomes } : {}),
      ...(dry && !ignoredOnly ? { wouldHave: chosen.action } : {}),
      liveTasks: live,
      firingAlerts: firing,
      ...(chosen.candidates && !ignoredOnly ? { candidates: chosen.candidates } : {}),
      ...(priced ? { costPerHour: burstCostPerHour(workload, changed ? next : state) } : {}),
      tick: signals.length === 0 && commands.length === 0,
    },
    next: changed ? next : state,
    changed,
  };
}

/**
 * The state after a scale-out: new launches pending (the outbox RunTask works from), kept drains
 * marked for cancellation, interrupted tasks marked replaced, and the aim (desiredTasks) set to
 * what stays, so a task lost later is replaced and a drain finishing later is not.
 */
function withScaleOut(
  state: WorkloadState,
  action: Extract<DecisionAction, { kind: 'scale_out' }>,
  decisionId: string,
  nowIso: string,
  chosen: {
    replacement?: boolean;
    replaces?: readonly string[];
    observed?: string;
    rebalance?: Choice['rebalance'];
  },
): WorkloadState {
  // A move back is neither a scale-out for the cooldown nor a launch to place anywhere else.
  const moving = !!chosen.rebalance && 'start' in chosen.rebalance;
  const launches: PendingLaunch[] = action.placements.map((p) => ({
    decisionId,
    region: p.region,
    count: p.count,
    ...(p.spot ? { spot: p.spot } : {}),
    requestedAt: nowIso,
    attempts: 0,
    ...(chosen.observed ? { signalObservedAt: chosen.observed } : {}),
    ...(moving ? { stayPut: true } : {}),
  }));
  const tasks: Record<string, BurstTask> = { ...state.tasks };
  for (const { taskArn } of action.cancelDrains ?? []) {
    const task = Object.values(tasks).find((t) => t.taskArn === taskArn);
    if (task) tasks[task.taskId] = { ...task, status: 'cancel_requested' };
  }
  for (const taskId of chosen.replaces ?? []) {
    const task = tasks[taskId];
    if (task) tasks[taskId] = { ...task, replaced: true };
  }
  const next: WorkloadState = { ...state, tasks, pendingLaunches: [...state.pendingLaunches, ...launches] };
  const started = launches.length > 0;
  return {
    ...next,
    // Only a launch is a replacement the crash-loop guard counts; keeping a draining task is not.
    ...(chosen.replacement && started
      ? { replacements: [...(state.replacements ?? []), nowIso].slice(-MAX_REPLACEMENTS) }
      : started && !chosen.replaces?.length && !moving
        ? { lastScaleOutAt: nowIso }
        : {}),
    // A move's new tasks replace others, so the aim stays: if they never run, nothing was lost.
    desiredTasks: moving ? state.desiredTasks : stayingCount(next),
  };
}

const stateOrder = { firing: 0, resolved: 1 } as const;

/**
 * Records a step of moving tasks back (rebalance.ts): the move its launch started, or its end,
 * after which the next one waits the interval. A move the decision did not act on (dry-run, a
 * batch of duplicates) is not recorded.
 */
function withRebalance(
  state: WorkloadState,
  step: Choice['rebalance'],
  action: DecisionAction,
  decisionId: string,
  nowIso: string,
): WorkloadState {
  if (!step || action.kind === 'ignored') return state;
  if ('start' in step) {
    if (action.kind !== 'scale_out') return state;
    return { ...state, rebalance: { ...step.start, decisionId } };
  }
  if ('finish' in step && action.kind !== 'scale_in') return state;
  if (!state.rebalance) return state;
  const { rebalance: _done, ...rest } = state;
  return { ...rest, lastRebalanceAt: nowIso };
}

/** The state with this decision's alert memory; the state itself when the decision changed none. */
function withAlerts(
  state: WorkloadState,
  alerts: WorkloadState['alerts'],
  applied: WorkloadState['applied'],
  overflow: AlertOverflow | undefined,
): WorkloadState {
  if (alerts === state.alerts && applied === state.applied && overflow === state.alertOverflow) return state;
  if (overflow) return { ...state, alerts, applied, alertOverflow: overflow };
  if (!state.alertOverflow) return { ...state, alerts, applied };
  const { alertOverflow: _ended, ...rest } = state;
  return { ...rest, alerts, applied };
}

/** The alert memory one decision folds its signals into, and what it has to say about it. */
interface AlertMemory {
  alerts: Readonly<Record<string, AlertRecord>>;
  applied: Readonly<Record<string, string>>;
  /** Whether `alerts` and `applied` are this decision's own copies yet (copy on first write). */
  readonly owned: { alerts: boolean; applied: boolean };
  overflow: AlertOverflow | undefined;
  /** Where the marks of forgotten alerts are read from: the state as loaded. */
  readonly forgotten: WorkloadState;
  /** True when a re-send refreshed what the state remembers (a write, though nothing is applied). */
  refreshed: boolean;
  /** How many alerts keep a summary or name, once counted (mayKeepSummary). */
  withText?: number;
  readonly notes: string[];
}

function setAlert(memory: AlertMemory, key: string, record: AlertRecord): void {
  const previous = memory.alerts[key];
  if (!memory.owned.alerts) memory.alerts = copyOf(memory.alerts);
  memory.owned.alerts = true;
  (memory.alerts as Record<string, AlertRecord>)[key] = record;
  if (memory.withText !== undefined) memory.withText += Number(hasText(record)) - Number(hasText(previous));
}

function setApplied(memory: AlertMemory, key: string, until: string): void {
  if (!memory.owned.applied) memory.applied = copyOf(memory.applied);
  memory.owned.applied = true;
  (memory.applied as Record<string, string>)[key] = until;
}

/** A copy of a map of hundreds of keys: a loop is twice as fast as a spread on such objects. */
function copyOf<T>(map: Readonly<Record<string, T>>): Record<string, T> {
  const copy: Record<string, T> = {};
  for (const key in map) copy[key] = map[key] as T;
  return copy;
}

const hasText = (alert: AlertRecord | undefined): boolean =>
  alert?.summary !== undefined || alert?.name !== undefined;

/**
 * How stale `lastSeenAt` may get before a re-send (a duplicate) refreshes it: often enough that a
 * firing alert never looks silent while its sender re-sends it, rarely enough that re-sends are
 * not a state write each.
 */
const refreshSeconds = (silenceSeconds: number) => Math.min(3600, Math.floor(silenceSeconds / 4));

/** An alert that had a summary keeps one; another gets one while fewer than the cap have one. */
function mayKeepSummary(memory: AlertMemory, previous: AlertRecord | undefined): boolean {
  if (hasText(previous)) return true;
  // Counted once per decision, then kept up to date by setAlert.
  if (memory.withText === undefined) {
    let count = 0;
    for (const key in memory.alerts) if (hasText(memory.alerts[key])) count++;
    memory.withText = count;
  }
  return memory.withText < MAX_SUMMARISED_ALERTS;
}

function applySignal(signal: Signal, memory: AlertMemory, now: Date, silenceSeconds: number): SignalOutcome {
  const { alerts, applied } = memory;
  const nowIso = isoOf(now);
  const previous = alerts[signal.alertKey];
  const duplicate =
    applied[signal.dedupKey] !== undefined ||
    (!!previous && previous.state === signal.state && previous.observedAt === signal.observedAt);
  if (duplicate) {
    if (signal.state === 'firing') refresh(signal, memory, now, silenceSeconds);
    return 'duplicate';
  }
  // A redelivered or reordered signal older than what this alert already applied must not undo it,
  // nor may a firing undo the resolution observed at the same instant.
  if (previous && previous.observedAt > signal.observedAt) return 'stale';
  if (previous?.observedAt === signal.observedAt && previous.state === 'resolved') return 'stale';
  if (!previous) {
    // Forgotten, not unknown: a firing older than a forgotten record may replay an episode that
    // resolved long ago, and must not make it fire again. A resolution re-opens nothing, so it is
    // always taken (it may end one of a storm's summarised alerts).
    const mark =
      signal.state === 'firing'
        ? forgottenSince(memory.forgotten, signal.alertKey, signal.observedAt)
        : undefined;
    if (mark) {
      memory.notes.push(
        `${signal.alertKey}: ${signal.state} of ${signal.observedAt} is older than what the workload has forgotten (${mark}); ignored as stale`,
      );
      return 'stale';
    }
    // A firing no newer than a storm's summarised alerts is taken for one of them, delivered again:
    // counted once, it stays pressure while the storm lasts, and is kept by name once re-sent after.
    if (signal.state === 'firing' && memory.overflow && signal.observedAt <= memory.overflow.newest) {
      refresh(signal, memory, now, silenceSeconds);
      return 'duplicate';
    }
    // A resolution of an alert the state does not keep may end one of a storm's summarised alerts.
    if (signal.state === 'resolved' && memory.overflow) {
      const left = memory.overflow.alerts - 1;
      memory.overflow = left > 0 ? { ...memory.overflow, alerts: left } : undefined;
      // Its record may be the first thing the cap drops: only its key can tell a redelivery, which
      // must not take another alert off the storm's count.
      setApplied(memory, signal.dedupKey, isoAt(now.getTime() + MEMORY_SECONDS * 1000));
    }
  }
  setAlert(memory, signal.alertKey, alertRecordOf(signal, nowIso, memory, previous));
  return 'applied';
}

/**
 * The record a signal leaves, its fields set one by one in one order rather than spread in: records
 * then share a few shapes, which keeps the code that reads them fast (conditional spreads made one
 * shape per combination of fields).
 */
function alertRecordOf(
  signal: Signal,
  nowIso: string,
  memory: AlertMemory,
  previous: AlertRecord | undefined,
): AlertRecord {
  const record: Mutable<AlertRecord> = {
    source: signal.source,
    state: signal.state,
    severity: signal.severity,
  } as AlertRecord;
  if (signal.value !== undefined) record.value = signal.value;
  record.observedAt = signal.observedAt;
  if (signal.state !== 'firing') return record;
  record.lastSeenAt = nowIso;
  // An alert's name and summary travel together: both for the alerts that may keep text.
  if ((signal.summary || signal.name) && mayKeepSummary(memory, previous)) {
    if (signal.summary) record.summary = keptSummary(signal.summary);
    if (signal.name) record.name = keptSummary(signal.name);
  }
  return record;
}

/** A re-send of a firing alert: it is still firing, so it is not silent (and, if it was, presses again). */
function refresh(signal: Signal, memory: AlertMemory, now: Date, silenceSeconds: number): void {
  const nowIso = isoOf(now);
  const record = memory.alerts[signal.alertKey];
  const due = (seen: string) => now.getTime() - Date.parse(seen) >= refreshSeconds(silenceSeconds) * 1000;
  if (record?.state === 'firing' && record.observedAt === signal.observedAt) {
    if (!record.silentSince && !due(record.lastSeenAt ?? record.observedAt)) return;
    const { silentSince, ...rest } = record;
    setAlert(memory, signal.alertKey, { ...rest, lastSeenAt: nowIso });
    if (silentSince)
      memory.notes.push(
        `${signal.alertKey} was sent again: pressure again after its silence since ${silentSince}`,
      );
    memory.refreshed = true;
  } else if (!record && memory.overflow && due(memory.overflow.lastSeenAt)) {
    // Most likely one of the storm's summarised alerts, re-sent: the storm still presses.
    memory.overflow = { ...memory.overflow, lastSeenAt: nowIso };
    memory.refreshed = true;
  }
}

/**
 * Firing alerts not sent for the workload's alertSilenceSeconds stop counting as pressure: a
 * resolution that never arrived must not keep a burst up forever. True when any went silent.
 */
function silence(memory: AlertMemory, now: Date, silenceSeconds: number): boolean {
  if (silenceSeconds <= 0) return false;
  const nowIso = isoOf(now);
  // Every time the state holds is UTC with milliseconds, so text order is time order.
  const cutoff = isoAt(now.getTime() - silenceSeconds * 1000);
  let changed = false;
  const alerts = memory.alerts;
  for (const key in alerts) {
    const alert = alerts[key] as AlertRecord;
    if (alert.state !== 'firing' || alert.silentSince) continue;
    const seen = alert.lastSeenAt ?? alert.observedAt;
    if (seen > cutoff) continue;
    setAlert(memory, key, { ...alert, silentSince: nowIso });
    memory.notes.push(
      `${key} not sent since ${seen} (alertSilenceSeconds ${silenceSeconds}): no longer counted as pressure`,
    );
    changed = true;
  }
  if (memory.overflow && memory.overflow.lastSeenAt <= cutoff) {
    memory.notes.push(
      `${memory.overflow.alerts} summarised storm alert(s) not sent since ${memory.overflow.lastSeenAt} (alertSilenceSeconds ${silenceSeconds}): no longer counted as pressure`,
    );
    memory.overflow = undefined;
    changed = true;
  }
  return changed;
}

/** Notes a reason carries one by one; a storm's hundreds of them are counted instead. */
const LISTED_NOTES = 10;
const noted = (notes: readonly string[]): string[] =>
  notes.length <= LISTED_NOTES
    ? [...notes]
    : [...notes.slice(0, LISTED_NOTES), `and ${notes.length - LISTED_NOTES} more like these`];

function countOutcomes(
  outcomes: readonly { outcome: SignalOutcome }[],
): Partial<Record<SignalOutcome, number>> {
  const counts: Partial<Record<SignalOutcome, number>> = {};
  for (const { outcome } of outcomes) counts[outcome] = (counts[outcome] ?? 0) + 1;
  return counts;
}

function describeAction(action: DecisionAction): string {
  if (action.kind === 'scale_out') {
    const kept = action.cancelDrains?.length ? `keep ${action.cancelDrains.length} draining task(s)` : '';
    const start = action.placements.length > 0 ? describePlacements(action.placements) : '';
    return [kept, start].filter(Boolean).join(' and ');
  }
  if (action.kind === 'scale_in') return `drain ${action.tasks.length} task(s)`;
  return action.kind;
}

function describeIgnored(
  outcomes: readonly { dedupKey: string; outcome: SignalOutcome }[],
  commandOutcomes: readonly { outcome: CommandOutcome }[],
): string {
  const duplicates = outcomes.filter((o) => o.outcome === 'duplicate').length;
  const stale = outcomes.filter((o) => o.outcome === 'stale').length;
  const commands = commandOutcomes.filter((o) => o.outcome === 'duplicate').length;
  const parts = [];
  if (duplicates > 0) parts.push(`${duplicates} duplicate signal(s) already applied`);
  if (stale > 0) parts.push(`${stale} stale signal(s) older than the state already applied`);
  if (commands > 0) parts.push(`${commands} operator command(s) already applied`);
  const staleCommands = commandOutcomes.filter((o) => o.outcome === 'stale').length;
  if (staleCommands > 0)
    parts.push(
      `${staleCommands} operator command(s) issued before a newer one of the same control was applied`,
    );
  return `ignored: ${parts.join('; ')}`;
}
