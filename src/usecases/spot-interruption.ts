import type { WorkloadConfig } from '../config/schema';
import type { Decision } from '../core/decision';
import type { TaskStateChange } from '../core/ecs-task-event';
import { digest, taskIdOf } from '../core/ids';
import { type BurstTask, countLive, firingAlertKeys } from '../core/workload-state';
import { updateState } from './commit-with-retry';
import type { ReconcileDeps } from './ports';
import { SPOT_DRAIN_SECONDS } from './start-drain';

/**
 * Tasks a Spot warning still changes: not yet leaving on their own drain. A task already marked
 * interrupted (a duplicate event), draining, stopped or failed is left as it is.
 */
const interruptible = (task: BurstTask | undefined): task is BurstTask =>
  !!task &&
  !task.interruptedAt &&
  (task.status === 'running' || task.status === 'drain_requested' || task.status === 'cancel_requested');

/**
 * Records a Fargate Spot interruption warning of a burst task: the task is marked interrupted and,
 * when it was running, its drain is requested at once (the drain is shortened to leave the target
 * group before ECS stops the task; see start-drain.ts). The policy then replaces it while the
 * workload still needs it. Only the event announces the interruption, so the event is trusted for
 * that; ECS is asked whether the task still runs, so a warning delivered after the task stopped
 * (EventBridge may deliver late, twice or out of order) changes nothing. True when it recorded.
 */
export async function recordSpotInterruption(
  workload: WorkloadConfig,
  change: TaskStateChange,
  deps: ReconcileDeps,
): Promise<boolean> {
  const taskId = taskIdOf(change.taskArn);
  if (!interruptible((await deps.store.load(workload.name)).tasks[taskId])) return false;
  const [seen] = await deps.compute.describe(change.region, change.cluster, [change.taskArn]);
  if (!seen || seen.lastStatus === 'STOPPED' || seen.lastStatus === 'MISSING') return false;
  const now = deps.clock().toISOString();
  const announcedAt = change.time && !Number.isNaN(Date.parse(change.time)) ? change.time : now;
  let recorded = false;
  await updateState(deps, workload.name, (state) => {
    const task = state.tasks[taskId];
    recorded = interruptible(task);
    if (!interruptible(task)) return undefined;
    const drains = task.status === 'running';
    const next = {
      ...state,
      tasks: {
        ...state.tasks,
        [taskId]: {
          ...task,
          interruptedAt: announcedAt,
          ...(drains ? { status: 'drain_requested' as const, drainRequestedAt: now } : {}),
        },
      },
    };
    const decision: Decision = {
      id: `d-${digest([workload.name, change.taskArn, 'spot-interruption'])}`,
      workload: workload.name,
      at: now,
      action: { kind: 'hold' },
      reason: `Fargate Spot interrupts ${taskId} (${task.region}, warned at ${announcedAt}): ${
        drains
          ? `draining it now, within ${Math.min(workload.drainSeconds, SPOT_DRAIN_SECONDS)} s`
          : `its drain (${task.status}) goes on`
      }; it is replaced while the workload needs it`,
      signals: [],
      liveTasks: countLive(next).total,
      firingAlerts: firingAlertKeys(next),
      tick: true,
    };
    return { next, decision };
  });
  if (recorded)
    deps.log.warn('spot interruption', {
      workload: workload.name,
      taskArn: change.taskArn,
      version: change.version,
    });
  return recorded;
}
