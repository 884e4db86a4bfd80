import type { WorkloadConfig } from '../config/schema';
import { type CommandOutcome, commandDedupKey, type OperatorCommand } from './command';
import type { Decision, DecisionAction, SignalOutcome } from './decision';
import { digest } from './ids';
import { placeBurstTasks } from './placement';
import type { RegionHealthMap } from './region-health';
import type { Signal } from './signal';
import {
  type AlertRecord,
  type BurstTask,
  countLive,
  type DryRunRecord,
  firingAlertKeys,
  type PauseRecord,
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
}

export interface PolicyResult {
  readonly decision: Decision;
  /** The state to write (conditionally on `state.version`); equal to the input when nothing changed. */
  readonly next: WorkloadState;
  /** False when the decision changes nothing and need not be written (an idle periodic evaluation). */
  readonly changed: boolean;
}

const addSeconds = (iso: string, seconds: number) => new Date(Date.parse(iso) + seconds * 1000);

/** Manual burst and drain commands: they choose the action of the decision that applies them. */
type ManualCommand = OperatorCommand & { readonly action: 'burst' | 'drain' | 'drain_all' };

/**
 * Applies policy to one workload: folds the signals into its alert set (ignoring duplicates and
 * stale signals) and the operator commands into its controls (ignoring ids already applied), then
 * decides to scale out, scale in, or hold. Pure: same input, same output.
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
  const commands = [...(input.commands ?? [])].sort(
    (a, b) => a.issuedAt.localeCompare(b.issuedAt) || a.id.localeCompare(b.id),
  );
  let paused = state.paused;
  let dryRun = state.dryRun;
  // One decision per batch: when a batch carries several manual burst/drain commands, the last
  // issued one chooses the action (the others are remembered as applied).
  let manual: ManualCommand | undefined;
  const commandOutcomes: { id: string; action: string; outcome: CommandOutcome }[] = [];
  for (const command of commands) {
    const key = commandDedupKey(command.id);
    if (applied[key] !== undefined) {
      commandOutcomes.push({ id: command.id, action: command.action, outcome: 'duplicate' });
      continue;
    }
    applied[key] = new Date(now.getTime() + MEMORY_SECONDS * 1000).toISOString();
    commandOutcomes.push({ id: command.id, action: command.action, outcome: 'applied' });
    const who = {
      since: nowIso,
      reason: command.reason,
      commandId: command.id,
      ...(command.requestedBy ? { requestedBy: command.requestedBy } : {}),
    };
    switch (command.action) {
      case 'pause':
        paused = { ...who, ...(command.until ? { until: command.until } : {}) };
        break;
      case 'resume':
        paused = undefined;
        break;
      case 'dry_run_on':
        dryRun = who;
        break;
      case 'dry_run_off':
        dryRun = undefined;
        break;
      default:
        manual = command as ManualCommand;
    }
  }
  // A pause past its expiry ends by itself: inert from then on, and dropped from the state by the
  // next decision that writes anyway (an expiry alone is no reason to write: a redelivered
  // duplicate must still change nothing).
  if (paused?.until && paused.until <= nowIso) paused = undefined;
  const anySignalApplied = outcomes.some((o) => o.outcome === 'applied');
  const anyApplied = anySignalApplied || commandOutcomes.some((o) => o.outcome === 'applied');
  const folded: WorkloadState = withControls({ ...state, alerts, applied }, paused, dryRun);

  const chosen = chooseAction(workload, folded, now, manual);
  const decisionId = `d-${digest([
    workload.name,
    String(state.version),
    chosen.action.kind,
    ...signals.map((s) => s.dedupKey),
    ...commands.map((c) => commandDedupKey(c.id)),
  ])}`;
  const firing = firingAlertKeys(folded);
  const live = countLive(folded).total;

  const ignoredOnly = signals.length + commands.length > 0 && !anyApplied;
  // Dry-run: the decision is computed and logged as what it would have done; nothing is launched
  // or drained, so no ECS or Step Functions call follows from it.
  const acts = chosen.action.kind === 'scale_out' || chosen.action.kind === 'scale_in';
  const dry = !!dryRun && acts;
  const action: DecisionAction = dry ? { kind: 'hold' } : chosen.action;
  const reason = dry
    ? `dry-run: would ${describeAction(chosen.action)} (dry-run since ${dryRun?.since}: ${dryRun?.reason}); ${chosen.reason}`
    : chosen.reason;
  const replacement = !dry && chosen.replacement;
  // A batch of only duplicates or stale signals never acts: redelivery must not change the outcome.
  const finalAction: DecisionAction = ignoredOnly ? { kind: 'ignored' } : action;
  const finalReason = ignoredOnly ? describeIgnored(outcomes, commandOutcomes) : reason;

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
      ...(commandOutcomes.length > 0 ? { commands: commandOutcomes } : {}),
      ...(dry && !ignoredOnly ? { wouldHave: chosen.action } : {}),
      liveTasks: live,
      firingAlerts: firing,
      tick: signals.length === 0 && commands.length === 0,
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
    ...(signal.value !== undefined ? { value: signal.value } : {}),
    observedAt: signal.observedAt,
  };
  applied[signal.dedupKey] = new Date(now.getTime() + MEMORY_SECONDS * 1000).toISOString();
  return 'applied';
}

function chooseAction(
  workload: WorkloadConfig,
  state: WorkloadState,
  now: Date,
  manual?: ManualCommand,
): { action: DecisionAction; reason: string; replacement?: boolean } {
  const live = countLive(state);
  const firing = firingAlertKeys(state);
  const hold = (reason: string) => ({ action: { kind: 'hold' } as const, reason });
  const max = workload.maxBurstTasks;
  // Paused: no new tasks of any kind (scale-out, floor, replacements); drains continue.
  const paused = state.paused ? describePause(state.paused) : undefined;

  if (manual) return chooseManual(workload, state, manual, paused);

  if (live.total < workload.minBurstTasks) {
    if (paused) return hold(`below minBurstTasks (${live.total}/${workload.minBurstTasks}) but ${paused}`);
    const placements = placeBurstTasks(workload, live.byRegion, workload.minBurstTasks - live.total);
    if (placements.length === 0) return hold(`below minBurstTasks but every burst region is full`);
    return {
      action: { kind: 'scale_out', placements },
      reason: `below minBurstTasks (${live.total}/${workload.minBurstTasks}): ${describePlacements(placements)}`,
    };
  }

  const desired = Math.min(state.desiredTasks ?? 0, max);
  if (!paused && firing.length > 0 && live.total < desired && state.pendingLaunches.length === 0) {
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
    if (paused) return hold(`${firing.length} alert(s) firing but ${paused}`);
    if (live.total >= max)
      return hold(`${firing.length} alert(s) firing but at maxBurstTasks (${live.total}/${max})`);
    if (state.lastScaleOutAt) {
      const until = addSeconds(state.lastScaleOutAt, workload.scaleOutCooldownSeconds);
      if (now < until)
        return hold(
          `${firing.length} alert(s) firing; not scaled out because cooldown until ${until.toISOString()}`,
        );
    }
    const amount = scaleOutAmount(workload, state, firing, live.total);
    if (amount.count <= 0) return hold(`${firing.length} alert(s) firing; not scaled out: ${amount.why}`);
    const wanted = Math.min(amount.count, max - live.total);
    const placements = placeBurstTasks(workload, live.byRegion, wanted);
    if (placements.length === 0)
      return hold(`${firing.length} alert(s) firing but every burst region is at its max`);
    return {
      action: { kind: 'scale_out', placements },
      reason: `${firing.length} alert(s) firing (${firing.join(', ')})${amount.why ? ` (${amount.why})` : ''}: ${describePlacements(placements)}`,
    };
  }

  const running = Object.values(state.tasks).filter((t) => t.status === 'running');
  // What stays once the drains under way finish: the floor is kept against that, not the live count.
  const leaving = Object.values(state.tasks).filter(
    (t) => t.status !== 'running' && t.status !== 'stopped',
  ).length;
  const above = live.total - leaving - workload.minBurstTasks;
  if (running.length === 0 || above <= 0) {
    return hold(
      live.total === 0 ? 'no alert firing and no burst tasks' : 'no alert firing; nothing left to drain',
    );
  }
  if (workload.scaleInStabilisationSeconds !== undefined) {
    // The window counts from the newest alert change (a resolution means pressure until then).
    const lastAlert = Object.values(state.alerts)
      .map((a) => a.observedAt)
      .sort()
      .at(-1);
    const until = lastAlert ? addSeconds(lastAlert, workload.scaleInStabilisationSeconds) : undefined;
    if (until && now < until)
      return hold(
        `no alert firing; not scaled in because stabilisation window until ${until.toISOString()} (last alert change ${lastAlert})`,
      );
  }
  const minBurst = workload.minBurstSeconds ?? 0;
  const drainable = running.filter((t) => addSeconds(t.startedAt, minBurst) <= now);
  if (drainable.length === 0) {
    const earliest = running.map((t) => addSeconds(t.startedAt, minBurst).toISOString()).sort()[0];
    return hold(`no alert firing; not scaled in because minBurstSeconds keeps every task until ${earliest}`);
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

/**
 * How many tasks one scale-out starts while alerts fire, before the bounds. Proportional sizing
 * wins when the workload has a metric target and a firing alert carries a value: desired capacity
 * = ceil(capacity × value / target), where capacity = live burst tasks + homeCapacityTasks, and the
 * burst part of it is what is started. Otherwise scaleOutStep × the severity steps of the most
 * severe firing alert (one step per alert when the workload sets no severitySteps).
 */
function scaleOutAmount(
  workload: WorkloadConfig,
  state: WorkloadState,
  firing: readonly string[],
  liveTotal: number,
): { count: number; why: string } {
  const records = firing.map((key) => state.alerts[key]).filter((a): a is AlertRecord => !!a);
  const values = records.map((a) => a.value).filter((v): v is number => v !== undefined);
  if (workload.scaleOnMetric && values.length > 0) {
    const value = Math.max(...values);
    const target = workload.scaleOnMetric.target;
    const home = workload.homeCapacityTasks ?? 1;
    const capacity = liveTotal + home;
    const desiredCapacity = Math.ceil((capacity * value) / target);
    const count = desiredCapacity - home - liveTotal;
    return {
      count,
      why: `metric ${value} against target ${target}: capacity ${capacity} → ${desiredCapacity} task(s)${count <= 0 ? ', enough already' : ''}`,
    };
  }
  if (!workload.severitySteps) return { count: workload.scaleOutStep, why: '' };
  const steps = workload.severitySteps;
  const most = Math.max(...records.map((a) => steps[a.severity]));
  const severity = records.find((a) => steps[a.severity] === most)?.severity ?? 'info';
  return {
    count: workload.scaleOutStep * most,
    why: `${severity}: ${most} step(s) of ${workload.scaleOutStep}`,
  };
}

/**
 * An operator's burst or drain: it skips the cooldowns (the operator decided) but keeps every
 * bound: burst up to maxBurstTasks and each region's max, never while paused; drain only running
 * tasks, through the drain workflow, never below minBurstTasks.
 */
function chooseManual(
  workload: WorkloadConfig,
  state: WorkloadState,
  command: ManualCommand,
  paused: string | undefined,
): { action: DecisionAction; reason: string } {
  const live = countLive(state);
  const by = `operator ${command.action.replace('_', ' ')}${command.count !== undefined ? ` ${command.count}` : ''}${command.requestedBy ? ` by ${command.requestedBy}` : ''} ("${command.reason}")`;
  const hold = (why: string) => ({ action: { kind: 'hold' } as const, reason: `${by}: ${why}` });
  if (command.action === 'burst') {
    if (paused) return hold(`not started: ${paused}`);
    const room = workload.maxBurstTasks - live.total;
    if (room <= 0) return hold(`at maxBurstTasks (${live.total}/${workload.maxBurstTasks})`);
    const placements = placeBurstTasks(workload, live.byRegion, Math.min(command.count ?? 0, room));
    if (placements.length === 0) return hold('every burst region is at its max');
    const started = placements.reduce((sum, p) => sum + p.count, 0);
    const bounded = started < (command.count ?? 0) ? `, bounded from ${command.count} by the max` : '';
    return {
      action: { kind: 'scale_out', placements },
      reason: `${by}: ${describePlacements(placements)}${bounded}`,
    };
  }
  const drainable = Object.values(state.tasks).filter((t) => t.status === 'running');
  const leaving = Object.values(state.tasks).filter(
    (t) => t.status !== 'running' && t.status !== 'stopped',
  ).length;
  const above = live.total - leaving - workload.minBurstTasks;
  const wanted = Math.min(command.action === 'drain_all' ? above : (command.count ?? 0), above);
  if (drainable.length === 0 || wanted <= 0)
    return hold(`nothing to drain above minBurstTasks (${live.total} live, min ${workload.minBurstTasks})`);
  const victims = chooseDrainVictims(workload, drainable, wanted);
  return {
    action: { kind: 'scale_in', tasks: victims.map((t) => ({ taskArn: t.taskArn, region: t.region })) },
    reason: `${by}: draining ${victims.length} task(s) (${live.total} live, min ${workload.minBurstTasks})`,
  };
}

function describePause(pause: PauseRecord): string {
  return `paused since ${pause.since}${pause.until ? ` until ${pause.until}` : ''}${pause.requestedBy ? ` by ${pause.requestedBy}` : ''} ("${pause.reason}"): no new tasks`;
}

/** The state with the operator controls set or removed (absent, not undefined, when off). */
function withControls(
  state: WorkloadState,
  paused: PauseRecord | undefined,
  dryRun: DryRunRecord | undefined,
): WorkloadState {
  const { paused: _paused, dryRun: _dryRun, ...rest } = state;
  return { ...rest, ...(paused ? { paused } : {}), ...(dryRun ? { dryRun } : {}) };
}

function describeAction(action: DecisionAction): string {
  if (action.kind === 'scale_out') return describePlacements(action.placements);
  if (action.kind === 'scale_in') return `drain ${action.tasks.length} task(s)`;
  return action.kind;
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
  return `ignored: ${parts.join('; ')}`;
}
