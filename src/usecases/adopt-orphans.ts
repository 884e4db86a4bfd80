import type { ObservedTask } from '../adapters/burst-compute';
import type { BurstRegionConfig, WorkloadConfig } from '../config/schema';
import type { Decision } from '../core/decision';
import { DRILL_TAG } from '../core/drill';
import { digest, taskIdOf } from '../core/ids';
import { type BurstTask, countLive, stayingCount } from '../core/workload-state';
import { updateState } from './commit-with-retry';
import type { ReconcileDeps } from './ports';

/** Running tasks Spillway started, per burst cluster: listed once per reconcile run, not per workload. */
export type Inventory = ReadonlyMap<string, readonly ObservedTask[]>;

/** An inventory's key for one burst cluster. */
export const clusterKey = (region: string, cluster: string) => `${region}\u0000${cluster}`;

function uniqueClusters(workloads: readonly WorkloadConfig[]): BurstRegionConfig[] {
  const clusters = new Map<string, BurstRegionConfig>();
  for (const workload of workloads) {
    for (const r of workload.burstRegions) clusters.set(clusterKey(r.region, r.cluster), r);
  }
  return [...clusters.values()];
}

export async function takeInventory(
  workloads: readonly WorkloadConfig[],
  deps: ReconcileDeps,
): Promise<Inventory> {
  const inventory = new Map<string, readonly ObservedTask[]>();
  for (const r of uniqueClusters(workloads)) {
    inventory.set(
      clusterKey(r.region, r.cluster),
      await deps.compute.listStartedBySpillway(r.region, r.cluster),
    );
  }
  return inventory;
}

/**
 * Finds running tasks that carry this workload's Spillway tags but are missing from its state —
 * what a crash between RunTask and the state write leaves behind — and records them: as running
 * capacity when the workload is short of what it aims for, otherwise for draining. Tasks of a
 * launch still pending are left to that launch, whose RunTask retry returns them by clientToken.
 */
export async function adoptOrphans(
  workload: WorkloadConfig,
  deps: ReconcileDeps,
  inventory?: Inventory,
): Promise<number> {
  const environment = deps.config.environment;
  const tasksOf = inventory ?? (await takeInventory([workload], deps));
  const found: { region: string; cluster: string; taskArn: string; decisionId: string }[] = [];
  for (const burstRegion of uniqueClusters([workload])) {
    for (const task of tasksOf.get(clusterKey(burstRegion.region, burstRegion.cluster)) ?? []) {
      if (task.tags?.['spillway:workload'] !== workload.name) continue;
      if (task.tags?.['spillway:environment'] !== environment) continue;
      // A drill's task belongs to its drill (advance-drills.ts): never capacity, never adopted.
      if (task.tags?.[DRILL_TAG]) continue;
      found.push({
        region: burstRegion.region,
        cluster: burstRegion.cluster,
        taskArn: task.taskArn,
        decisionId: task.tags?.['spillway:decision'] ?? 'unknown',
      });
    }
  }
  if (found.length === 0) return 0;
  let adopted = 0;
  const now = deps.clock().toISOString();
  await updateState(deps, workload.name, (state) => {
    adopted = 0;
    const pending = new Set(state.pendingLaunches.map((p) => p.decisionId));
    const orphans = found.filter((t) => !state.tasks[taskIdOf(t.taskArn)] && !pending.has(t.decisionId));
    if (orphans.length === 0) return undefined;
    const tasks: Record<string, BurstTask> = { ...state.tasks };
    // The aim counts what stays: tasks on their way out (draining, interrupted) make no capacity.
    let staying = stayingCount(state);
    const desired = state.desiredTasks ?? 0;
    const lines: string[] = [];
    for (const orphan of orphans) {
      const keep = staying < desired;
      const taskId = taskIdOf(orphan.taskArn);
      tasks[taskId] = {
        taskArn: orphan.taskArn,
        taskId,
        region: orphan.region,
        cluster: orphan.cluster,
        decisionId: orphan.decisionId,
        startedAt: now,
        status: keep ? 'running' : 'drain_requested',
        ecsStatus: 'RUNNING',
        ...(keep ? {} : { drainRequestedAt: now }),
      };
      if (keep) staying++;
      lines.push(`${taskId} (${orphan.region}) ${keep ? 'adopted as capacity' : 'to be drained'}`);
    }
    adopted = orphans.length;
    const decision: Decision = {
      id: `d-${digest([workload.name, String(state.version), 'adopt', ...orphans.map((o) => o.taskArn)])}`,
      workload: workload.name,
      at: now,
      action: { kind: 'hold' },
      reason: `reconciler found ${orphans.length} tagged task(s) missing from state: ${lines.join('; ')}`,
      signals: [],
      liveTasks: countLive({ ...state, tasks }).total,
      firingAlerts: [],
      tick: true,
    };
    return { next: { ...state, tasks }, decision };
  });
  if (adopted > 0) deps.log.warn('orphaned burst tasks recorded', { workload: workload.name, adopted });
  return adopted;
}
