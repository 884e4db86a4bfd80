import type { BurstRegionConfig, WorkloadConfig } from '../config/schema';
import type { Placement, RegionCandidate } from './decision';
import { describeHealth, isOpen, type RegionHealthMap } from './region-health';

export interface PlacementOptions {
  /** Launch circuit breakers: a region whose breaker is open takes nothing. */
  readonly regionHealth?: RegionHealthMap;
  /** When the breakers are read; required for them to count. */
  readonly now?: Date;
  /** Regions to leave out, e.g. the one whose launch just failed. */
  readonly exclude?: readonly string[];
  /** Live on-demand tasks per region (the Spot split keeps `onDemandBase` of them); 0 when absent. */
  readonly onDemandByRegion?: ReadonlyMap<string, number>;
}

export interface PlacementPlan {
  readonly placements: Placement[];
  /** Every burst region as placement weighed it, best first: the decision log's "why". */
  readonly candidates: RegionCandidate[];
}

interface Ranked {
  readonly config: BurstRegionConfig;
  readonly index: number;
  readonly preference: number;
  readonly weight: number;
  readonly live: number;
  readonly room: number;
  readonly skipped?: string;
}

/**
 * Places `count` new burst tasks. `ordered` (the default) fills regions best first: lower
 * preference, then lower cost, then position in the list; each takes what its max leaves room for
 * and the rest spills to the next. `spread` gives each new task to the region whose live share is
 * furthest below its weight. Regions with an open circuit or excluded take nothing. Returns fewer
 * than `count` tasks in total when no region has room.
 */
export function planPlacement(
  workload: WorkloadConfig,
  liveByRegion: ReadonlyMap<string, number>,
  count: number,
  options: PlacementOptions = {},
): PlacementPlan {
  const ranked = rank(workload, liveByRegion, options);
  const usable = ranked.filter((r) => !r.skipped);
  const chosen = new Map<string, number>();
  const take = (region: string, n: number) => chosen.set(region, (chosen.get(region) ?? 0) + n);
  let remaining = Math.max(0, count);

  if (workload.placement === 'spread') {
    // One task at a time to the region with the lowest (live + chosen) / weight: the largest
    // deficit against its weighted share. Ties go to the better-ranked region.
    while (remaining > 0) {
      let best: Ranked | undefined;
      let bestShare = Number.POSITIVE_INFINITY;
      for (const r of usable) {
        const placed = chosen.get(r.config.region) ?? 0;
        if (placed >= r.room) continue;
        const share = (r.live + placed) / r.weight;
        if (share < bestShare) {
          best = r;
          bestShare = share;
        }
      }
      if (!best) break;
      take(best.config.region, 1);
      remaining--;
    }
  } else {
    for (const r of usable) {
      if (remaining <= 0) break;
      const n = Math.min(r.room, remaining);
      if (n > 0) {
        take(r.config.region, n);
        remaining -= n;
      }
    }
  }

  const placements: Placement[] = [];
  for (const r of ranked) {
    const n = chosen.get(r.config.region) ?? 0;
    if (n === 0) continue;
    const spot = spotShare(r.config, options.onDemandByRegion?.get(r.config.region) ?? 0, n);
    placements.push({ region: r.config.region, count: n, ...(spot > 0 ? { spot } : {}) });
  }
  const candidates = ranked.map((r, position): RegionCandidate => {
    const n = chosen.get(r.config.region) ?? 0;
    return {
      region: r.config.region,
      score: workload.placement === 'spread' ? round(r.live / r.weight) : position + 1,
      preference: r.preference,
      weight: r.weight,
      ...(r.config.costPerTaskHour !== undefined ? { costPerTaskHour: r.config.costPerTaskHour } : {}),
      live: r.live,
      room: r.room,
      chosen: n,
      ...(n === 0 ? { skipped: r.skipped ?? (r.room <= 0 ? 'full' : 'not needed') } : {}),
    };
  });
  return { placements, candidates };
}

/** The placements alone, for callers that do not log the candidates. */
export function placeBurstTasks(
  workload: WorkloadConfig,
  liveByRegion: ReadonlyMap<string, number>,
  count: number,
  options: PlacementOptions = {},
): Placement[] {
  return planPlacement(workload, liveByRegion, count, options).placements;
}

/** Each burst region's preference: its own, or its position in the list (1, 2, …). */
export function preferenceByRegion(workload: WorkloadConfig): ReadonlyMap<string, number> {
  return new Map(workload.burstRegions.map((r, i) => [r.region, preferenceOf(r, i)]));
}

const preferenceOf = (config: BurstRegionConfig, index: number): number => config.preference ?? index + 1;

/** A burst region's cost per task hour as placement weighs it: an unknown cost counts as 0. */
export const placementCost = (config: BurstRegionConfig): number => config.costPerTaskHour ?? 0;

/**
 * Placement's order of the burst regions, for every ranking that must agree with it: preference
 * first; equal preferences tie and the cheaper region wins; then the position in the list.
 */
export const placementOrder = (
  a: { readonly config: BurstRegionConfig; readonly index: number; readonly preference: number },
  b: { readonly config: BurstRegionConfig; readonly index: number; readonly preference: number },
): number =>
  a.preference - b.preference || placementCost(a.config) - placementCost(b.config) || a.index - b.index;

function rank(
  workload: WorkloadConfig,
  liveByRegion: ReadonlyMap<string, number>,
  options: PlacementOptions,
): Ranked[] {
  const excluded = new Set(options.exclude ?? []);
  const ranked = workload.burstRegions.map((config, index): Ranked => {
    const live = liveByRegion.get(config.region) ?? 0;
    const room = Math.max(0, (config.maxTasks ?? workload.maxBurstTasks) - live);
    const health = options.regionHealth?.[config.region];
    const skipped = excluded.has(config.region)
      ? 'excluded: its launch just failed'
      : options.now && isOpen(health, options.now)
        ? describeHealth(health, options.now)
        : undefined;
    return {
      config,
      index,
      preference: preferenceOf(config, index),
      weight: config.weight ?? 1,
      live,
      room,
      ...(skipped ? { skipped } : {}),
    };
  });
  return ranked.sort(placementOrder);
}

/**
 * How many of `count` new tasks in a region run on Spot: none without `fargateSpot`; otherwise
 * the region first tops its on-demand tasks up to `onDemandBase`, and the rest go to Spot.
 */
function spotShare(config: BurstRegionConfig, liveOnDemand: number, count: number): number {
  if (!config.fargateSpot) return 0;
  const onDemandNeeded = Math.max(0, config.fargateSpot.onDemandBase - liveOnDemand);
  return Math.max(0, count - onDemandNeeded);
}

const round = (n: number) => Math.round(n * 1000) / 1000;
