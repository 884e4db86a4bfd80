import type { BurstRegionConfig, WorkloadConfig } from '../config/schema';
import type { Capacity } from './decision';
import { isLive, type WorkloadState } from './workload-state';

/**
 * Estimated cost of one task-hour in a burst region, from the configured prices: Spot tasks use
 * the Spot price when one is configured and the on-demand price otherwise (an over-estimate is the
 * safe side for a spend guard). Unknown prices count as 0.
 */
export function taskHourCost(
  burstRegion: BurstRegionConfig | undefined,
  capacity: Capacity = 'on_demand',
): number {
  if (!burstRegion) return 0;
  const onDemand = burstRegion.costPerTaskHour ?? 0;
  return capacity === 'spot' ? (burstRegion.fargateSpot?.costPerTaskHour ?? onDemand) : onDemand;
}

/** Estimated cost per hour of a workload's live burst tasks and of the launches it has pending. */
export function burstCostPerHour(workload: WorkloadConfig, state: WorkloadState): number {
  const regions = new Map(workload.burstRegions.map((r) => [r.region, r]));
  let cost = 0;
  for (const task of Object.values(state.tasks))
    if (isLive(task)) cost += taskHourCost(regions.get(task.region), task.capacity);
  for (const launch of state.pendingLaunches) {
    const spot = launch.spot ?? 0;
    const region = regions.get(launch.region);
    cost += taskHourCost(region, 'spot') * spot + taskHourCost(region, 'on_demand') * (launch.count - spot);
  }
  return roundCost(cost);
}

/** Costs are estimates: four decimals keep sums stable without pretending to more precision. */
export const roundCost = (cost: number): number => Math.round(cost * 10_000) / 10_000;
