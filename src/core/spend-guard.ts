import type { WorkloadConfig } from '../config/schema';
import { roundCost, taskHourCost } from './cost';
import type { Placement } from './decision';

export interface SpendLimits {
  /** The workload's estimated burst cost per hour now, pending launches included. */
  readonly currentCostPerHour: number;
  /** Every other workload's, for the environment's guard. */
  readonly otherWorkloadsCostPerHour?: number;
  readonly environmentMaxCostPerHour?: number;
  /**
   * A lost site's evacuation whose site says `spendGuardDuringLoss: exceed`: every task is kept,
   * and the note says by how many the guard is exceeded.
   */
  readonly exceed?: boolean;
}

/** Opens the note of a placement kept beyond a spend guard: apply-signals counts such decisions. */
export const SPEND_GUARD_EXCEEDED = 'spend guard exceeded';

/**
 * Trims placements so the estimated burst cost stays within the workload's and the environment's
 * spend guards: tasks are kept in placement order (best region first, on demand before Spot) while
 * they fit. Prices are estimates from config; regions without a price cost 0 and always fit.
 */
/** A hair of tolerance, so that a sum of rounded prices equal to a limit still fits it. */
const TOLERANCE = 1e-9;

/** Whether an estimated cost per hour is above a spend limit: the one comparison every guard makes. */
export const aboveSpendLimit = (cost: number, limit: number): boolean => cost > limit + TOLERANCE;

export function applySpendGuard(
  workload: WorkloadConfig,
  placements: readonly Placement[],
  limits: SpendLimits,
): { placements: Placement[]; note?: string } {
  const bounds = [workload.maxBurstCostPerHour];
  if (limits.environmentMaxCostPerHour !== undefined)
    bounds.push(limits.environmentMaxCostPerHour - (limits.otherWorkloadsCostPerHour ?? 0));
  const limit = Math.min(...bounds.filter((b): b is number => b !== undefined));
  if (!Number.isFinite(limit)) return { placements: [...placements] };

  const regions = new Map(workload.burstRegions.map((r) => [r.region, r]));
  const budget = limit - limits.currentCostPerHour + TOLERANCE;
  let spent = 0;
  const kept: Placement[] = [];
  let wanted = 0;
  for (const placement of placements) {
    const spot = placement.spot ?? 0;
    const onDemandCost = taskHourCost(regions.get(placement.region), 'on_demand');
    const spotCost = taskHourCost(regions.get(placement.region), 'spot');
    let onDemandKept = 0;
    let spotKept = 0;
    for (let i = 0; i < placement.count - spot; i++)
      if (spent + onDemandCost <= budget) {
        spent += onDemandCost;
        onDemandKept++;
      }
    for (let i = 0; i < spot; i++)
      if (spent + spotCost <= budget) {
        spent += spotCost;
        spotKept++;
      }
    wanted += placement.count;
    if (onDemandKept + spotKept > 0)
      kept.push({
        region: placement.region,
        count: onDemandKept + spotKept,
        ...(spotKept > 0 ? { spot: spotKept } : {}),
      });
  }
  const keptCount = kept.reduce((sum, p) => sum + p.count, 0);
  if (keptCount === wanted) return { placements: kept };
  const which =
    workload.maxBurstCostPerHour !== undefined && limit === workload.maxBurstCostPerHour
      ? `the workload's maxBurstCostPerHour ${workload.maxBurstCostPerHour}`
      : `the environment's spendGuard ${limits.environmentMaxCostPerHour} (other workloads ${roundCost(limits.otherWorkloadsCostPerHour ?? 0)}/h)`;
  if (limits.exceed)
    return {
      placements: [...placements],
      note: `${SPEND_GUARD_EXCEEDED}: ${wanted - keptCount} of ${wanted} task(s) are beyond ${which} (this workload ${roundCost(limits.currentCostPerHour)}/h now), started anyway for a site loss (spendGuardDuringLoss: exceed)`,
    };
  return {
    placements: kept,
    note: `spend guard: ${keptCount} of ${wanted} task(s) fit within ${which} (this workload ${roundCost(limits.currentCostPerHour)}/h now)`,
  };
}
