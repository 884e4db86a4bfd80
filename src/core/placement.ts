import type { WorkloadConfig } from '../config/schema';
import type { Placement } from './decision';

/**
 * Places `count` new burst tasks into the workload's burst regions in order of preference: each
 * region takes what it has room for (its own max minus what it already runs), the rest spills to
 * the next. Returns fewer than `count` tasks in total when every region is full.
 */
export function placeBurstTasks(
  workload: WorkloadConfig,
  liveByRegion: ReadonlyMap<string, number>,
  count: number,
): Placement[] {
  const placements: Placement[] = [];
  let remaining = count;
  for (const burstRegion of workload.burstRegions) {
    if (remaining <= 0) break;
    const regionMax = burstRegion.maxTasks ?? workload.maxBurstTasks;
    const room = regionMax - (liveByRegion.get(burstRegion.region) ?? 0);
    const take = Math.min(room, remaining);
    if (take > 0) {
      placements.push({ region: burstRegion.region, count: take });
      remaining -= take;
    }
  }
  return placements;
}
