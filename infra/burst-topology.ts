import type { BurstRegionConfig, SpillwayConfig, WorkloadConfig } from '../src/config/schema';

/** One workload's settings for one burst region. */
export interface BurstPlacement {
  readonly workload: WorkloadConfig;
  readonly burstRegion: BurstRegionConfig;
}

/** Everything Spillway deploys or touches in one burst region, derived from the config. */
export interface BurstRegionTopology {
  readonly region: string;
  /** Distinct ECS cluster names, in config order. */
  readonly clusterNames: readonly string[];
  readonly placements: readonly BurstPlacement[];
  /** Distinct ELBv2 target groups that burst tasks in this region join. */
  readonly targetGroupArns: readonly string[];
}

/** Raised when the config is valid on its own but cannot be deployed as written. */
export class TopologyError extends Error {
  override readonly name = 'TopologyError';
}

const distinct = <T>(values: readonly T[]): T[] => [...new Set(values)];

/**
 * Groups the config's burst regions by AWS region, in the order they first appear, and checks
 * what the schema cannot see alone: a task definition family belongs to one workload per region,
 * and a target group lives in the region whose tasks join it.
 */
export function burstTopology(config: Pick<SpillwayConfig, 'workloads'>): BurstRegionTopology[] {
  const placementsByRegion = new Map<string, BurstPlacement[]>();
  for (const workload of config.workloads) {
    for (const burstRegion of workload.burstRegions) {
      const placements = placementsByRegion.get(burstRegion.region) ?? [];
      placements.push({ workload, burstRegion });
      placementsByRegion.set(burstRegion.region, placements);
    }
  }
  return [...placementsByRegion].map(([region, placements]) => {
    const familyOwners = new Map<string, string>();
    for (const { workload, burstRegion } of placements) {
      const family = burstRegion.taskDefinition.family;
      const owner = familyOwners.get(family);
      if (owner !== undefined) {
        throw new TopologyError(
          `task definition family ${family} in ${region} is used by workloads ${owner} and ${workload.name}: ` +
            'each workload needs its own family',
        );
      }
      familyOwners.set(family, workload.name);
      const targetGroupRegion = burstRegion.targetGroupArn?.split(':')[3];
      if (targetGroupRegion !== undefined && targetGroupRegion !== region) {
        throw new TopologyError(
          `workload ${workload.name}: target group ${burstRegion.targetGroupArn} is in ${targetGroupRegion}, ` +
            `but its burst tasks run in ${region}`,
        );
      }
    }
    return {
      region,
      clusterNames: distinct(placements.map((p) => p.burstRegion.cluster)),
      placements,
      targetGroupArns: distinct(placements.flatMap((p) => p.burstRegion.targetGroupArn ?? [])),
    };
  });
}
