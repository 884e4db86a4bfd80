import type { BurstRegionConfig, WorkloadConfig } from '../config/schema';
import type { RegionCandidate } from './decision';
import { placementCost, placementOrder, preferenceByRegion } from './placement';
import { isOpen } from './region-health';
import type { Choice, Situation } from './scale-out';
import {
  type BurstTask,
  countLive,
  type RebalanceMove,
  regionMaxOf,
  type WorkloadState,
} from './workload-state';

/**
 * Moving burst tasks back to a better region once it can take them again: a fallback (capacity,
 * an open launch breaker) left tasks in a region placement ranks lower. Make before break: the
 * move starts tasks in the better region first, counted against the maxes like any launch, and
 * drains as many from the worse region only once they run. One move at a time per workload, at
 * most `rebalanceStep` tasks, then `rebalanceIntervalSeconds` before the next.
 */

/** How long a move's new tasks may take to run before the move is given up. */
export const REBALANCE_START_SECONDS = 600;
export const DEFAULT_REBALANCE_INTERVAL_SECONDS = 300;
export const DEFAULT_REBALANCE_STEP = 1;

export type { RebalanceMove } from './workload-state';

export type RebalanceMode = NonNullable<WorkloadConfig['rebalance']>;

/**
 * A region's rank for moving back: `preferred-region` ranks as placement does (preference, then
 * cost, then position in the list); `cost` by cost first, then as placement does. Lower is better.
 */
export function rebalanceRanks(workload: WorkloadConfig, mode: RebalanceMode): Map<string, number> {
  const preference = preferenceByRegion(workload);
  const ordered = workload.burstRegions
    .map((config, index) => ({ config, index, preference: preference.get(config.region) ?? index + 1 }))
    .sort((a, b) =>
      mode === 'cost'
        ? placementCost(a.config) - placementCost(b.config) || placementOrder(a, b)
        : placementOrder(a, b),
    );
  return new Map(ordered.map(({ config }, rank) => [config.region, rank]));
}

/** What a workload with pressure and nothing else to do may do about its placement. */
export type RebalanceOutcome =
  | { readonly kind: 'none' }
  | { readonly kind: 'hold'; readonly choice: Choice }
  | { readonly kind: 'start'; readonly choice: Choice; readonly move: Omit<RebalanceMove, 'decisionId'> }
  | { readonly kind: 'finish'; readonly choice: Choice }
  | { readonly kind: 'abandon'; readonly reason: string };

/**
 * The next step of moving tasks back, for a workload whose policy would otherwise hold. Pure.
 * A move under way is finished once its tasks run, or given up when they cannot start (their
 * region's breaker opened, they stopped, or they took longer than REBALANCE_START_SECONDS);
 * otherwise, past the interval, a new move starts when a better region has room.
 */
export function chooseRebalance(s: Situation): RebalanceOutcome {
  const { workload, state, now } = s;
  const mode = workload.rebalance ?? 'off';
  const move = state.rebalance;
  if (move) return stepMove(s, move);
  if (mode === 'off' || state.paused || state.dryRun) return { kind: 'none' };
  const interval = (workload.rebalanceIntervalSeconds ?? DEFAULT_REBALANCE_INTERVAL_SECONDS) * 1000;
  if (state.lastRebalanceAt && Date.parse(state.lastRebalanceAt) + interval > now.getTime())
    return { kind: 'none' };
  if (state.pendingLaunches.length > 0 || anyInMotion(state)) return { kind: 'none' };
  return planMove(s, mode);
}

function planMove(s: Situation, mode: RebalanceMode): RebalanceOutcome {
  const { workload, state, now } = s;
  const ranks = rebalanceRanks(workload, mode);
  const preference = preferenceByRegion(workload);
  const live = countLive(state);
  const running = runningByRegion(state);
  const headroom = workload.maxBurstTasks - live.total;
  // The worst-ranked region holding running tasks, and the best-ranked healthy one with room.
  const worst = [...running.keys()].sort((a, b) => (ranks.get(b) ?? 0) - (ranks.get(a) ?? 0))[0];
  if (worst === undefined || !ranks.has(worst)) return planSpotMove(s);
  const candidates: RegionCandidate[] = [];
  let target: { region: string; room: number } | undefined;
  for (const [region, rank] of [...ranks].sort((a, b) => a[1] - b[1])) {
    if (rank >= (ranks.get(worst) ?? 0)) break;
    const inRegion = live.byRegion.get(region) ?? 0;
    const room = regionMaxOf(workload, region) - inRegion;
    const open = isOpen(s.regionHealth?.[region], now);
    const config = workload.burstRegions.find((r) => r.region === region) as BurstRegionConfig;
    candidates.push({
      region,
      score: rank + 1,
      preference: preference.get(region) ?? rank + 1,
      weight: config.weight ?? 1,
      ...(config.costPerTaskHour !== undefined ? { costPerTaskHour: config.costPerTaskHour } : {}),
      live: inRegion,
      room: Math.max(0, room),
      chosen: 0,
      ...(open ? { skipped: 'circuit open' } : room <= 0 ? { skipped: 'full' } : {}),
    });
    if (!target && !open && room > 0) target = { region, room };
  }
  if (!target) return planSpotMove(s);
  const movable = running.get(worst)?.length ?? 0;
  const wanted = Math.min(workload.rebalanceStep ?? DEFAULT_REBALANCE_STEP, movable, target.room);
  if (headroom <= 0)
    return {
      kind: 'hold',
      choice: {
        action: { kind: 'hold' },
        reason: `rebalance waits: ${movable} task(s) in ${worst} could move to ${target.region}, but the new tasks would count above maxBurstTasks (${live.total}/${workload.maxBurstTasks})`,
      },
    };
  const count = Math.min(wanted, headroom);
  return {
    kind: 'start',
    move: { from: worst, to: target.region, count, startedAt: now.toISOString() },
    choice: {
      action: { kind: 'scale_out', placements: [{ region: target.region, count }] },
      reason: `rebalance (${workload.rebalance}): ${target.region} can take tasks again; starting ${count} there before draining as many from ${worst}`,
      candidates: candidates.map((c) => (c.region === target?.region ? { ...c, chosen: count } : c)),
    },
  };
}

/**
 * Spot short of capacity is retried on demand: a region that prefers Spot above its
 * `onDemandBase` is then left with on-demand tasks beyond it. They move back onto Spot the same
 * way, make before break; a Spot launch still short of capacity is not retried on demand
 * (`stayPut`), so the move is given up until the next interval tries again.
 */
function planSpotMove(s: Situation): RebalanceOutcome {
  const { workload, state, now } = s;
  const live = countLive(state);
  const headroom = workload.maxBurstTasks - live.total;
  for (const config of workload.burstRegions) {
    if (!config.fargateSpot || isOpen(s.regionHealth?.[config.region], now)) continue;
    const onDemand = Object.values(state.tasks).filter(
      (t) => t.region === config.region && t.status === 'running' && t.capacity !== 'spot',
    ).length;
    const beyond = onDemand - config.fargateSpot.onDemandBase;
    if (beyond <= 0) continue;
    const room = regionMaxOf(workload, config.region) - (live.byRegion.get(config.region) ?? 0);
    const count = Math.min(workload.rebalanceStep ?? DEFAULT_REBALANCE_STEP, beyond, headroom, room);
    if (count <= 0)
      return {
        kind: 'hold',
        choice: {
          action: { kind: 'hold' },
          reason: `rebalance waits: ${beyond} on-demand task(s) in ${config.region} could move to Spot, but the new tasks would count above a max (${live.total}/${workload.maxBurstTasks} in total)`,
        },
      };
    return {
      kind: 'start',
      move: {
        from: config.region,
        to: config.region,
        count,
        startedAt: now.toISOString(),
        capacity: 'spot',
      },
      choice: {
        action: { kind: 'scale_out', placements: [{ region: config.region, count, spot: count }] },
        reason: `rebalance (${workload.rebalance}): ${beyond} on-demand task(s) in ${config.region} beyond its onDemandBase (${config.fargateSpot.onDemandBase}); starting ${count} on Spot before draining as many on-demand`,
      },
    };
  }
  return { kind: 'none' };
}

function stepMove(s: Situation, move: RebalanceMove): RebalanceOutcome {
  const { workload, state, now } = s;
  const started = Object.values(state.tasks).filter(
    (t) =>
      t.decisionId === move.decisionId &&
      t.region === move.to &&
      (move.capacity !== 'spot' || t.capacity === 'spot'),
  );
  const pending = state.pendingLaunches.some((l) => l.decisionId === move.decisionId);
  const ready = started.filter((t) => t.status === 'running' && t.ecsStatus === 'RUNNING');
  if ((workload.rebalance ?? 'off') === 'off') return { kind: 'abandon', reason: 'rebalance turned off' };
  if (isOpen(s.regionHealth?.[move.to], now))
    return { kind: 'abandon', reason: `${move.to}'s launch breaker opened` };
  if (ready.length >= move.count) {
    const candidates = Object.values(state.tasks)
      .filter(
        (t) =>
          t.region === move.from &&
          t.status === 'running' &&
          t.decisionId !== move.decisionId &&
          (move.capacity !== 'spot' || t.capacity !== 'spot'),
      )
      .sort((a, b) => b.startedAt.localeCompare(a.startedAt) || a.taskId.localeCompare(b.taskId));
    // A Spot move drains only what is still beyond the region's on-demand base: a task lost
    // meanwhile must not take the region below it.
    const base =
      move.capacity === 'spot'
        ? (workload.burstRegions.find((r) => r.region === move.from)?.fargateSpot?.onDemandBase ?? 0)
        : 0;
    const victims = candidates.slice(0, Math.min(move.count, Math.max(0, candidates.length - base)));
    if (victims.length === 0) return { kind: 'abandon', reason: `no task left to move out of ${move.from}` };
    return {
      kind: 'finish',
      choice: {
        action: {
          kind: 'scale_in',
          tasks: victims.map((t) => ({ taskArn: t.taskArn, region: t.region })),
        },
        reason:
          move.capacity === 'spot'
            ? `rebalance: ${ready.length} Spot task(s) running in ${move.to}; draining ${victims.length} on-demand`
            : `rebalance: ${ready.length} task(s) running in ${move.to}; draining ${victims.length} from ${move.from}`,
      },
    };
  }
  const gone = !pending && started.every((t) => t.status !== 'running');
  if (gone) return { kind: 'abandon', reason: `its task(s) in ${move.to} did not start` };
  if (Date.parse(move.startedAt) + REBALANCE_START_SECONDS * 1000 <= now.getTime())
    return {
      kind: 'abandon',
      reason: `its task(s) in ${move.to} did not run within ${REBALANCE_START_SECONDS} s`,
    };
  return {
    kind: 'hold',
    choice: {
      action: { kind: 'hold' },
      reason: `rebalance: waiting for ${move.count - ready.length} task(s) in ${move.to} to run before draining ${move.from}`,
    },
  };
}

function runningByRegion(state: WorkloadState): Map<string, BurstTask[]> {
  const byRegion = new Map<string, BurstTask[]>();
  for (const task of Object.values(state.tasks)) {
    if (task.status !== 'running') continue;
    const list = byRegion.get(task.region);
    if (list) list.push(task);
    else byRegion.set(task.region, [task]);
  }
  return byRegion;
}

/** Drains and cancellations under way: a move waits until the workload is steady. */
const anyInMotion = (state: WorkloadState): boolean =>
  Object.values(state.tasks).some(
    (t) => t.status === 'drain_requested' || t.status === 'draining' || t.status === 'cancel_requested',
  );
