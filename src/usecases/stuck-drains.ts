import type { WorkloadConfig } from '../config/schema';
import type { BurstTask, WorkloadState } from '../core/workload-state';
import { updateState } from './commit-with-retry';
import { drainIdOf } from './drain-naming';
import { drainFailed } from './failed-drains';
import type { ReconcileDeps } from './ports';

/** A drain is looked at once it has run this long past its own drain time. */
export const STUCK_DRAIN_GRACE_SECONDS = 900;

/**
 * Drains that outlived their drain time by the grace period, and what their execution says:
 * - ended without writing the ledger (failed before its failure handler could, or stopped by
 *   hand): recorded as failed and reported;
 * - missing: requested again, so the same drain starts anew;
 * - succeeded without this drain's row saying stopped: it ended Cancelled (called off, or taken
 *   over by a newer drain of the task) yet the task is still recorded as draining. The task is
 *   running: it goes back to `running`, unregistered (the drain may have removed it from its
 *   target group), and the policy drains it again if it must go.
 * Tasks waiting for a cancellation are left to it: carry-out settles them on every run.
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
    if (status === 'RUNNING') continue;
    if (status === 'SUCCEEDED' && (await stoppedByThisDrain(workload, task, deps))) continue;
    found++;
    const outcome = outcomeOf(status, deps.clock());
    if (outcome.failed) deps.metrics?.record('DrainsFailed', 1, { region: task.region });
    deps.log.error(outcome.message, {
      workload: workload.name,
      taskArn: task.taskArn,
      execution: task.drainExecution,
      status,
    });
    await updateState(deps, workload.name, (current) => {
      const recorded = current.tasks[task.taskId];
      if (recorded?.status !== 'draining' || recorded.drainRequestedAt !== task.drainRequestedAt)
        return undefined;
      return { next: { ...current, tasks: { ...current.tasks, [task.taskId]: outcome.task(recorded) } } };
    });
  }
  return found;
}

function outcomeOf(
  status: string,
  now: Date,
): { message: string; task: (recorded: BurstTask) => BurstTask; failed?: boolean } {
  if (status === 'missing')
    return {
      message: 'drain execution missing; restarting it',
      task: (recorded) => ({ ...recorded, status: 'drain_requested' }),
    };
  if (status === 'SUCCEEDED')
    return {
      message: 'drain execution ended without stopping the task; it is running again',
      task: ({ drainRequestedAt: _requested, drainExecution: _execution, ...recorded }) => ({
        ...recorded,
        status: 'running',
        registeredTarget: false,
      }),
    };
  return {
    message: 'drain ended without recording its outcome',
    task: (recorded) => drainFailed(recorded, `drain execution ended ${status}`, now),
    failed: true,
  };
}

/**
 * A succeeded drain wrote `stopped` before it ended; the reconciler folds that in, but may have
 * read the ledger just before the write. Asking again tells a finished drain from a called-off one.
 */
async function stoppedByThisDrain(workload: WorkloadConfig, task: BurstTask, deps: ReconcileDeps) {
  const entry = (await deps.ledger.read(task.region, [task.taskArn])).get(task.taskArn);
  if (entry?.status !== 'stopped') return false;
  return !entry.drainId || entry.drainId === drainIdOf(workload.name, task);
}
