import type { WorkloadConfig } from '../config/schema';
import type { RegionCandidate } from '../core/decision';
import { planPlacement } from '../core/placement';
import type { RegionHealthMap } from '../core/region-health';
import { countLive, isLive, type PendingLaunch, type WorkloadState } from '../core/workload-state';

export interface MovedLaunches {
  readonly launches: readonly PendingLaunch[];
  /** The regions placement weighed for the remainder, for the decision log. */
  readonly candidates: readonly RegionCandidate[];
}

/**
 * Places what a failing region did not start, as new pending launches of the same decision in
 * other regions. `state` is the re-read state with the failed launch already settled (its started
 * tasks recorded, the launch removed), so the bounds are computed from what is really live and
 * pending now: never above maxBurstTasks, never above a region's max. Pure: part of the one
 * conditional write that settles the failed launch.
 */
export function moveRemainder(
  workload: WorkloadConfig,
  state: WorkloadState,
  failed: PendingLaunch,
  remainder: number,
  options: {
    readonly regionHealth: RegionHealthMap;
    readonly now: Date;
    readonly exclude: readonly string[];
  },
): MovedLaunches {
  const live = countLive(state);
  const wanted = Math.min(remainder, workload.maxBurstTasks - live.total);
  if (wanted <= 0) return { launches: [], candidates: [] };
  const plan = planPlacement(workload, live.byRegion, wanted, {
    ...options,
    onDemandByRegion: onDemandByRegion(state),
  });
  const requestedAt = laterThanAnyOf(failed, state, options.now);
  return {
    launches: plan.placements.map((p) => ({
      decisionId: failed.decisionId,
      region: p.region,
      count: p.count,
      ...(p.spot ? { spot: p.spot } : {}),
      requestedAt,
      attempts: 0,
    })),
    candidates: plan.candidates,
  };
}

/** Live on-demand tasks and pending on-demand launches per region: what Spot's on-demand base counts. */
export function onDemandByRegion(state: WorkloadState): Map<string, number> {
  const byRegion = new Map<string, number>();
  const add = (region: string, n: number) => byRegion.set(region, (byRegion.get(region) ?? 0) + n);
  for (const task of Object.values(state.tasks))
    if (isLive(task) && task.capacity !== 'spot') add(task.region, 1);
  for (const launch of state.pendingLaunches) add(launch.region, launch.count - (launch.spot ?? 0));
  return byRegion;
}

/**
 * A moved launch is told apart from the decision's own launch to the same region by its
 * requestedAt (which also goes into its clientTokens), so it must be later than every launch of
 * the decision still pending and than the failed one, even when the clock has not moved on. (An
 * earlier move into the same region that is already done is behind a real clock by the RunTask
 * calls made since.)
 */
function laterThanAnyOf(failed: PendingLaunch, state: WorkloadState, now: Date): string {
  const latest = Math.max(
    Date.parse(failed.requestedAt),
    ...state.pendingLaunches
      .filter((p) => p.decisionId === failed.decisionId)
      .map((p) => Date.parse(p.requestedAt)),
  );
  return new Date(Math.max(now.getTime(), latest + 1)).toISOString();
}
