import type { BurstCompute } from '../adapters/burst-compute';
import type { StateStore } from '../adapters/state-store';
import type { SpillwayConfig } from '../config/schema';
import { countLive, firingAlertKeys } from '../core/workload-state';

export interface WorkloadStatus {
  readonly workload: string;
  readonly homeSite: string;
  readonly version: number;
  readonly firingAlerts: readonly string[];
  readonly liveTasks: number;
  readonly maxBurstTasks: number;
  readonly pendingLaunches: number;
  readonly lastScaleOutAt: string | null;
  readonly lastScaleInAt: string | null;
  readonly regions: Readonly<
    Record<string, readonly { taskArn: string; status: string; ecsStatus: string; startedAt: string }[]>
  >;
}

/** Per workload: its recorded state and its burst tasks per region, with what ECS reports now. */
export async function workloadStatuses(deps: {
  config: SpillwayConfig;
  store: Pick<StateStore, 'load'>;
  compute: Pick<BurstCompute, 'describe'>;
}): Promise<WorkloadStatus[]> {
  const statuses: WorkloadStatus[] = [];
  for (const workload of deps.config.workloads) {
    const state = await deps.store.load(workload.name);
    const regions: Record<
      string,
      { taskArn: string; status: string; ecsStatus: string; startedAt: string }[]
    > = {};
    for (const burstRegion of workload.burstRegions) {
      const tasks = Object.values(state.tasks).filter((t) => t.region === burstRegion.region);
      const observed = tasks.length
        ? await deps.compute.describe(
            burstRegion.region,
            burstRegion.cluster,
            tasks.map((t) => t.taskArn),
          )
        : [];
      regions[burstRegion.region] = tasks
        .sort((a, b) => a.startedAt.localeCompare(b.startedAt))
        .map((task) => ({
          taskArn: task.taskArn,
          status: task.status,
          ecsStatus:
            observed.find((o) => o.taskArn === task.taskArn)?.lastStatus ?? task.ecsStatus ?? 'UNKNOWN',
          startedAt: task.startedAt,
        }));
    }
    statuses.push({
      workload: workload.name,
      homeSite: workload.homeSite,
      version: state.version,
      firingAlerts: firingAlertKeys(state),
      liveTasks: countLive(state).total,
      maxBurstTasks: workload.maxBurstTasks,
      pendingLaunches: state.pendingLaunches.length,
      lastScaleOutAt: state.lastScaleOutAt ?? null,
      lastScaleInAt: state.lastScaleInAt ?? null,
      regions,
    });
  }
  return statuses;
}
