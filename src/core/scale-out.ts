import type { WorkloadConfig } from '../config/schema';
import { burstCostPerHour } from './cost';
import type { DecisionAction, Placement, RegionCandidate } from './decision';
import { planPlacement, preferenceByRegion } from './placement';
import type { RegionHealthMap } from './region-health';
import { applySpendGuard } from './spend-guard';
import {
  type BurstTask,
  countLive,
  isCancellable,
  type RebalanceMove,
  regionMaxOf,
  stayingByRegion,
  stayingCount,
  type WorkloadState,
} from './workload-state';

/** Everything a choice of action reads besides the signals: pure inputs of the policy. */
export interface Situation {
  readonly workload: WorkloadConfig;
  readonly state: WorkloadState;
  readonly now: Date;
  readonly regionHealth?: RegionHealthMap;
  readonly otherWorkloadsCostPerHour?: number;
  readonly environmentMaxCostPerHour?: number;
}

export interface Choice {
  readonly action: DecisionAction;
  readonly reason: string;
  readonly candidates?: readonly RegionCandidate[];
  /** A replacement of lost tasks (counted by the crash-loop guard) rather than a scale-out. */
  readonly replacement?: boolean;
  /** Spot-interrupted tasks (by task id) this choice replaces, so they are not replaced twice. */
  readonly replaces?: readonly string[];
  /** A hold no launch may go around, not even a move back: a crash loop. */
  readonly blocksLaunches?: boolean;
  /** A step of moving tasks back to a better region (rebalance.ts), for the state to record. */
  readonly rebalance?:
    | { readonly start: Omit<RebalanceMove, 'decisionId'> }
    | { readonly finish: true }
    | { readonly abandon: string };
}

export const hold = (reason: string, candidates?: readonly RegionCandidate[]): Choice => ({
  action: { kind: 'hold' },
  reason,
  ...(candidates ? { candidates } : {}),
});

/**
 * Adds `wanted` tasks to a workload: first by calling off drains under way when `cancelDrains`
 * (keeping a task is cheaper and faster than stopping one and starting another), then by placing
 * new tasks within `room` (what the maxes leave), the open circuits and the spend guards.
 * `why` opens the reason; a hold explains what stopped it.
 */
export function scaleOut(
  s: Situation,
  wanted: number,
  options: {
    why: string;
    cancelDrains: boolean;
    room: number;
    replacement?: boolean;
    /** A lost site's evacuation that may exceed the spend guards. */
    exceedSpendGuard?: boolean;
  },
): Choice {
  const { workload, state } = s;
  const kept = options.cancelDrains ? drainsToCancel(workload, state, wanted) : [];
  const live = countLive(state);
  const toPlace = Math.max(0, Math.min(wanted - kept.length, options.room));
  const plan = planPlacement(workload, live.byRegion, toPlace, {
    ...(s.regionHealth ? { regionHealth: s.regionHealth } : {}),
    now: s.now,
    onDemandByRegion: live.onDemandByRegion,
  });
  const guarded = applySpendGuard(workload, plan.placements, {
    currentCostPerHour: burstCostPerHour(workload, state),
    ...(s.otherWorkloadsCostPerHour !== undefined
      ? { otherWorkloadsCostPerHour: s.otherWorkloadsCostPerHour }
      : {}),
    ...(s.environmentMaxCostPerHour !== undefined
      ? { environmentMaxCostPerHour: s.environmentMaxCostPerHour }
      : {}),
    ...(options.exceedSpendGuard ? { exceed: true } : {}),
  });
  const placements = guarded.placements;
  const candidates = toPlace > 0 ? plan.candidates : undefined;
  const notes = [
    kept.length > 0 ? `keep ${kept.length} draining task(s) (drain cancelled)` : '',
    placements.length > 0 ? describePlacements(placements) : '',
  ].filter(Boolean);
  const limits = [
    toPlace > 0 && plan.placements.length === 0 ? noRoomReason(plan.candidates) : '',
    guarded.note ?? '',
  ].filter(Boolean);
  if (notes.length === 0)
    return hold(`${options.why}; not scaled out: ${limits.join('; ') || 'nothing to add'}`, candidates);
  return {
    action: {
      kind: 'scale_out',
      placements,
      ...(kept.length > 0
        ? { cancelDrains: kept.map((t) => ({ taskArn: t.taskArn, region: t.region })) }
        : {}),
    },
    reason: `${options.why}: ${notes.join(', ')}${limits.length > 0 ? ` (${limits.join('; ')})` : ''}`,
    ...(candidates ? { candidates } : {}),
    ...(options.replacement ? { replacement: true } : {}),
  };
}

/**
 * Drains to call off: the preferred regions' first, then the most recently started. A kept task
 * stays, so it counts against the maxes as a launch does: a workload above its max (a lower max
 * deployed, an orphan adopted for draining) keeps none beyond it, in total or in its region.
 */
function drainsToCancel(workload: WorkloadConfig, state: WorkloadState, wanted: number): BurstTask[] {
  const rank = preferenceByRegion(workload);
  const byRegion = new Map(stayingByRegion(state));
  let total = stayingCount(state);
  const kept: BurstTask[] = [];
  const candidates = Object.values(state.tasks)
    .filter(isCancellable)
    .sort(
      (a, b) =>
        (rank.get(a.region) ?? 0) - (rank.get(b.region) ?? 0) ||
        b.startedAt.localeCompare(a.startedAt) ||
        a.taskId.localeCompare(b.taskId),
    );
  for (const task of candidates) {
    if (kept.length >= wanted || total >= workload.maxBurstTasks) break;
    const inRegion = byRegion.get(task.region) ?? 0;
    if (inRegion >= regionMaxOf(workload, task.region)) continue;
    kept.push(task);
    byRegion.set(task.region, inRegion + 1);
    total++;
  }
  return kept;
}

function noRoomReason(candidates: readonly RegionCandidate[]): string {
  const open = candidates.filter((c) => c.skipped?.startsWith('circuit open'));
  if (open.length > 0 && open.length === candidates.filter((c) => c.room > 0).length)
    return `every burst region with room is unhealthy (${open.map((c) => `${c.region}: ${c.skipped}`).join('; ')})`;
  return 'every burst region is at its max';
}

export function describePlacements(placements: readonly Placement[]): string {
  return `start ${placements.map((p) => `${p.count} in ${p.region}${p.spot ? ` (${p.spot} on Spot)` : ''}`).join(', ')}`;
}
