import type { WorkloadConfig } from '../config/schema';
import { describeEvacuation, describePause, type ManualCommand } from './controls';
import { burstCostPerHour, roundCost, taskHourCost } from './cost';
import { chooseRebalance, rebalanceRanks } from './rebalance';
import { MAX_REPLACEMENTS, REPLACEMENT_WINDOW_SECONDS } from './replacements';
import { type Choice, hold, type Situation, scaleOut } from './scale-out';
import { evacuationTarget, scaleOutAmount } from './sizing';
import { aboveSpendLimit } from './spend-guard';
import {
  type BurstTask,
  countLive,
  firingAlertKeys,
  isCancellable,
  regionMaxOf,
  stayingByRegion,
  stayingCount,
  type WorkloadState,
} from './workload-state';

const addSeconds = (iso: string, seconds: number) => new Date(Date.parse(iso) + seconds * 1000);

/**
 * The action for one workload, first match wins: an operator's burst or drain; the floor
 * (minBurstTasks); an evacuation's home capacity; replacing tasks lost while under pressure;
 * scaling out while alerts fire; scaling in once none does. Every hold says why.
 */
export function chooseAction(s: Situation, manual?: ManualCommand): Choice {
  const choice = choosePolicy(s, manual);
  const pressing = firingAlertKeys(s.state).length > 0 || !!s.state.evacuation;
  // Moving tasks back is what a workload under steady pressure does when nothing else is to do;
  // a move under way is called off by anything else (pressure shifted: the new tasks stay as
  // capacity, and a scale-in drains the least preferred region first anyway).
  if (manual || choice.action.kind !== 'hold' || !pressing || choice.blocksLaunches) {
    return s.state.rebalance ? givenUp(choice, 'the workload acted on its pressure first') : choice;
  }
  const outcome = chooseRebalance(s);
  switch (outcome.kind) {
    case 'none':
      return choice;
    case 'hold':
      return { ...outcome.choice, reason: `${choice.reason}; ${outcome.choice.reason}` };
    case 'start': {
      // A move's tasks count against the spend guards from the start, as any launch's do.
      const over = moveOverSpendGuard(s, outcome.move);
      if (over) return { ...choice, reason: `${choice.reason}; rebalance waits: ${over}` };
      return {
        ...outcome.choice,
        reason: `${choice.reason}; ${outcome.choice.reason}`,
        rebalance: { start: outcome.move },
      };
    }
    case 'finish':
      return { ...outcome.choice, rebalance: { finish: true } };
    case 'abandon':
      return givenUp(choice, outcome.reason);
  }
}

/** Why starting a move's tasks would take the workload or the environment above a spend guard. */
function moveOverSpendGuard(s: Situation, move: { to: string; count: number; capacity?: 'spot' }) {
  const { workload, state } = s;
  const region = workload.burstRegions.find((r) => r.region === move.to);
  const added = move.count * taskHourCost(region, move.capacity === 'spot' ? 'spot' : 'on_demand');
  const cost = burstCostPerHour(workload, state) + added;
  const max = workload.maxBurstCostPerHour;
  if (max !== undefined && aboveSpendLimit(cost, max))
    return `its ${move.count} new task(s) would take the estimated cost to ${roundCost(cost)}/h, above maxBurstCostPerHour ${max}`;
  const environmentMax = s.environmentMaxCostPerHour;
  const total = cost + (s.otherWorkloadsCostPerHour ?? 0);
  if (environmentMax !== undefined && aboveSpendLimit(total, environmentMax))
    return `its ${move.count} new task(s) would take the environment's estimated cost to ${roundCost(total)}/h, above spendGuard ${environmentMax}`;
  return undefined;
}

/** The move back under way ends here: its new tasks stay as capacity, the old ones where they are. */
const givenUp = (choice: Choice, why: string): Choice => ({
  ...choice,
  reason: `${choice.reason}; moving tasks back given up: ${why}`,
  rebalance: { abandon: why },
});

function choosePolicy(s: Situation, manual?: ManualCommand): Choice {
  const { workload, state, now } = s;
  const live = countLive(state);
  const staying = stayingCount(state);
  const firing = firingAlertKeys(state);
  const max = workload.maxBurstTasks;
  const room = max - live.total;
  // Paused: no new tasks of any kind (scale-out, floor, replacements, kept drains); drains continue.
  const paused = state.paused ? describePause(state.paused) : undefined;

  // A max is a bound, not an aim: what a deploy put above it (a lower max, a region removed)
  // drains down to it first, whatever the alerts and cooldowns say.
  const excess = aboveMax(s);
  if (excess) return excess;

  if (manual) return chooseManual(s, manual, paused);

  if (staying < workload.minBurstTasks) {
    const why = `below minBurstTasks (${staying}/${workload.minBurstTasks})`;
    if (paused) return hold(`${why} but ${paused}`);
    return scaleOut(s, workload.minBurstTasks - staying, { why, cancelDrains: true, room });
  }

  const evacuation = state.evacuation;
  const target = evacuation ? evacuationTarget(workload) : 0;
  if (evacuation && staying < target) {
    const why = `${describeEvacuation(evacuation)}: ${staying} of ${target} task(s) of the home capacity in the cloud`;
    if (paused) return hold(`${why} but ${paused}`);
    // Once the target was reached, a shortfall is tasks lost: the crash-loop guard applies.
    const replacing = (state.desiredTasks ?? 0) >= target && state.pendingLaunches.length === 0;
    const loop = replacing ? crashLoop(state, now, target - staying) : undefined;
    if (loop) return { ...hold(loop), blocksLaunches: true };
    const choice = scaleOut(s, target - staying, {
      why,
      cancelDrains: true,
      room,
      replacement: replacing,
      ...(evacuation.exceedSpendGuard ? { exceedSpendGuard: true } : {}),
    });
    if (choice.action.kind === 'scale_out' || firing.length === 0) return choice;
  }

  const desired = Math.min(state.desiredTasks ?? 0, max);
  if (!paused && firing.length > 0 && staying < desired && state.pendingLaunches.length === 0) {
    const lost = desired - staying;
    const interrupted = unreplacedDepartures(state);
    // Spot interruptions are the price of Spot and a drain that could not be called off is
    // Spillway's own doing: neither is a crash loop, only other losses count.
    const loop = lost > interrupted.length ? crashLoop(state, now, lost) : undefined;
    const replacing = loop ? Math.min(lost, interrupted.length) : lost;
    if (loop && replacing === 0) return { ...hold(loop), blocksLaunches: true };
    const choice = scaleOut(s, replacing, {
      why: `replacing ${replacing} burst task(s) that ${interrupted.length > 0 ? 'were interrupted or ' : ''}stopped on their own while ${firing.length} alert(s) fire`,
      cancelDrains: true,
      room,
      replacement: replacing > interrupted.length,
    });
    if (choice.action.kind === 'scale_out')
      return { ...choice, replaces: interrupted.slice(0, replacing).map((t) => t.taskId) };
  }

  if (firing.length > 0) {
    if (paused) return hold(`${firing.length} alert(s) firing but ${paused}`);
    // A drill under way is no capacity to size against: it leaves by itself.
    const amount = scaleOutAmount(workload, state, firing, live.total - live.drills);
    if (amount.count <= 0) return hold(`${firing.length} alert(s) firing; not scaled out: ${amount.why}`);
    const cancellable = Object.values(state.tasks).filter(isCancellable).length;
    const until = state.lastScaleOutAt
      ? addSeconds(state.lastScaleOutAt, workload.scaleOutCooldownSeconds)
      : undefined;
    const cooling = !!until && now < until;
    // Calling off a drain adds no task to start, so the cooldown does not stand in its way; the
    // maxes do (scaleOut keeps a drain only where they leave room).
    if (cancellable === 0) {
      if (room <= 0)
        return hold(`${firing.length} alert(s) firing but at maxBurstTasks (${live.total}/${max})`);
      if (cooling)
        return hold(
          `${firing.length} alert(s) firing; not scaled out because cooldown until ${until?.toISOString()}`,
        );
    }
    return scaleOut(s, amount.count, {
      why: `${firing.length} alert(s) firing (${listed(firing.map((key) => alertLabel(state, key)))})${amount.why ? ` (${amount.why})` : ''}${cooling ? ` (new tasks wait for the cooldown until ${until?.toISOString()})` : ''}`,
      cancelDrains: true,
      room: cooling ? 0 : room,
    });
  }

  return chooseScaleIn(s, evacuation ? Math.max(workload.minBurstTasks, target) : workload.minBurstTasks);
}

function chooseScaleIn(s: Situation, floor: number): Choice {
  const { workload, state, now } = s;
  const live = countLive(state).total;
  const running = Object.values(state.tasks).filter((t) => t.status === 'running');
  // What stays once the drains under way finish: the floor is kept against that, not the live count.
  const above = stayingCount(state) - floor;
  if (running.length === 0 || above <= 0) {
    return hold(live === 0 ? 'no alert firing and no burst tasks' : 'no alert firing; nothing left to drain');
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
    reason: `no alert firing: draining ${victims.length} task(s) (${live} live, floor ${floor})`,
  };
}

/**
 * An operator's burst or drain: it skips the cooldowns (the operator decided) but keeps every
 * bound: burst up to maxBurstTasks, each region's max and the spend guards, never while paused;
 * drain only running tasks, through the drain workflow, never below the floor.
 */
function chooseManual(s: Situation, command: ManualCommand, paused: string | undefined): Choice {
  const { workload, state } = s;
  const live = countLive(state);
  const by = `operator ${command.action.replace('_', ' ')}${command.count !== undefined ? ` ${command.count}` : ''}${command.requestedBy ? ` by ${command.requestedBy}` : ''} ("${command.reason}")`;
  if (command.action === 'burst') {
    if (paused) return hold(`${by}: not started: ${paused}`);
    const room = workload.maxBurstTasks - live.total;
    if (room <= 0) return hold(`${by}: at maxBurstTasks (${live.total}/${workload.maxBurstTasks})`);
    const choice = scaleOut(s, command.count ?? 0, { why: by, cancelDrains: false, room });
    if (choice.action.kind !== 'scale_out') return choice;
    const started = choice.action.placements.reduce((sum, p) => sum + p.count, 0);
    return started < (command.count ?? 0)
      ? {
          ...choice,
          reason: `${choice.reason}, bounded from ${command.count} by the ${choice.reason.includes('spend guard') ? 'spend guard' : 'max'}`,
        }
      : choice;
  }
  const floor = state.evacuation
    ? Math.max(workload.minBurstTasks, evacuationTarget(workload))
    : workload.minBurstTasks;
  const drainable = Object.values(state.tasks).filter((t) => t.status === 'running');
  const above = stayingCount(state) - floor;
  const wanted = Math.min(command.action === 'drain_all' ? above : (command.count ?? 0), above);
  if (drainable.length === 0 || wanted <= 0)
    return hold(
      `${by}: nothing to drain above ${state.evacuation ? 'the evacuation floor' : 'minBurstTasks'} (${live.total} live, floor ${floor})`,
    );
  const victims = chooseDrainVictims(workload, drainable, wanted);
  return {
    action: { kind: 'scale_in', tasks: victims.map((t) => ({ taskArn: t.taskArn, region: t.region })) },
    reason: `${by}: draining ${victims.length} task(s) (${live.total} live, floor ${floor})`,
  };
}

/**
 * Running tasks to drain when the workload keeps more than its maxes allow, in total or in a
 * region (a region the workload no longer bursts to allows none); undefined when within them.
 * Launches still pending count too, but only running tasks can be drained.
 */
function aboveMax(s: Situation): Choice | undefined {
  const { workload, state } = s;
  const staying = stayingByRegion(state);
  const total = stayingCount(state);
  // Nearly every decision is within its maxes: say so before listing any task.
  let within = total <= workload.maxBurstTasks;
  for (const [region, count] of staying) if (count > regionMaxOf(workload, region)) within = false;
  if (within) return undefined;
  const running = Object.values(state.tasks).filter((t) => t.status === 'running');
  const victims: BurstTask[] = [];
  const over: string[] = [];
  for (const [region, count] of staying) {
    const max = regionMaxOf(workload, region);
    if (count <= max) continue;
    over.push(`${region} ${count}/${max}`);
    const inRegion = running.filter((t) => t.region === region);
    victims.push(...chooseDrainVictims(workload, inRegion, count - max));
  }
  const beyondTotal = total - victims.length - workload.maxBurstTasks;
  if (beyondTotal > 0) {
    over.push(`in total ${total}/${workload.maxBurstTasks}`);
    const rest = running.filter((t) => !victims.includes(t));
    victims.push(...chooseDrainVictims(workload, rest, beyondTotal));
  }
  // Only launches still pending are above it: they settle first, and the next decision drains.
  if (victims.length === 0) return undefined;
  return {
    action: { kind: 'scale_in', tasks: victims.map((t) => ({ taskArn: t.taskArn, region: t.region })) },
    reason: `above the max (${over.join(', ')}): draining ${victims.length} task(s) down to it`,
  };
}

/** An alert as the decision log names it: the name people call it by, when it has one, and its key. */
const alertLabel = (state: WorkloadState, key: string): string => {
  const name = state.alerts[key]?.name;
  return name ? `${name} (${key})` : key;
};

/** Alert keys for a reason: the first few, then how many more. */
const LISTED_IN_REASON = 10;
const listed = (keys: readonly string[]): string =>
  keys.length <= LISTED_IN_REASON
    ? keys.join(', ')
    : `${keys.slice(0, LISTED_IN_REASON).join(', ')} and ${keys.length - LISTED_IN_REASON} more`;

/** The crash-loop guard: a reason to hold when too many replacements happened recently. */
function crashLoop(state: WorkloadState, now: Date, lost: number): string | undefined {
  const recent = (state.replacements ?? []).filter((at) => addSeconds(at, REPLACEMENT_WINDOW_SECONDS) > now);
  if (recent.length < MAX_REPLACEMENTS) return undefined;
  const until = addSeconds(recent[0] as string, REPLACEMENT_WINDOW_SECONDS);
  return `crash loop: ${recent.length} replacements since ${recent[0]}; ${lost} lost task(s) not replaced until ${until.toISOString()}`;
}

/**
 * Spot-interrupted or cancel-refused tasks whose replacement has not been decided yet, live or
 * already stopped (the reconciler may record the stop before the policy next runs).
 */
function unreplacedDepartures(state: WorkloadState): BurstTask[] {
  return Object.values(state.tasks)
    .filter((t) => (t.interruptedAt || t.cancelRefusedAt) && !t.replaced)
    .sort((a, b) => a.taskId.localeCompare(b.taskId));
}

/** Least preferred region first, then the newest task: the preferred region keeps its capacity longest. */
function chooseDrainVictims(
  workload: WorkloadConfig,
  tasks: readonly BurstTask[],
  count: number,
): BurstTask[] {
  // The region ranked worst goes first, ranked as placement (and moving back) ranks: draining by
  // another order would empty the region a cost-mode move has just filled, and move again after.
  const rank = rebalanceRanks(workload, workload.rebalance === 'cost' ? 'cost' : 'preferred-region');
  return [...tasks]
    .sort(
      (a, b) =>
        (rank.get(b.region) ?? 0) - (rank.get(a.region) ?? 0) ||
        b.startedAt.localeCompare(a.startedAt) ||
        a.taskId.localeCompare(b.taskId),
    )
    .slice(0, count);
}
