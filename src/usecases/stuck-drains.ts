import type { WorkloadConfig } from '../config/schema';
import type { WorkloadState } from '../core/workload-state';
import { updateState } from './commit-with-retry';
import type { ReconcileDeps } from './ports';

/** A drain is looked at once it has run this long past its own drain time. */
export const STUCK_DRAIN_GRACE_SECONDS = 900;

/**
 * Drains whose execution ended without writing the ledger (it failed before its failure handler
 * could, or was stopped by hand) are recorded as failed and reported; drains whose execution does
 * not exist are requested again, so they start anew.
 */
export async function checkStuckDrains(
  workload: WorkloadConfig,
  deps: ReconcileDeps,
  known?: WorkloadState,
): Promise<number> {
  const state = known ?? (await deps.store.load(workload.name));
  const now = deps.clock().getTime();
  const deadline = (workload.drainSeconds + STUCK_DRAIN_GRACE_SECONDS) * 1000;
  let found = 0;
  for (const task of Object.values(state.tasks)) {
    if (task.status !== 'draining' || !task.drainExecution || !task.drainRequestedAt) continue;
    if (now - Date.parse(task.drainRequestedAt) < deadline) continue;
    const status = await deps.drains.status(task.region, task.drainExecution);
    if (status === 'RUNNING' || status === 'SUCCEEDED') continue;
    found++;
    const failed = status !== 'missing';
    deps.log.error(
      failed ? 'drain ended without recording its outcome' : 'drain execution missing; restarting it',
      {
        workload: workload.name,
        taskArn: task.taskArn,
        execution: task.drainExecution,
        status,
      },
    );
    await updateState(deps, workload.name, (current) => {
      const recorded = current.tasks[task.taskId];
      if (recorded?.status !== 'draining') return undefined;
      const next = failed
        ? { ...recorded, status: 'drain_failed' as const, stopReason: `drain execution ended ${status}` }
        : { ...recorded, status: 'drain_requested' as const };
      return { next: { ...current, tasks: { ...current.tasks, [task.taskId]: next } } };
    });
  }
  return found;
}
