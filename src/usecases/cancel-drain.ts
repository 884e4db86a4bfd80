import type { WorkloadConfig } from '../config/schema';
import type { Decision } from '../core/decision';
import { digest, taskLabel } from '../core/ids';
import { type BurstTask, countLive, firingAlertKeys, type WorkloadState } from '../core/workload-state';
import { updateState } from './commit-with-retry';
import { drainIdOf, startedCurrentDrain } from './drain-naming';
import type { DecideDeps, DrainCanceller } from './ports';

export interface CancelDrainDeps extends Pick<DecideDeps, 'store' | 'clock' | 'log' | 'metrics'> {
  readonly ledger: DrainCanceller;
}

/** `kept`: the task runs on; `too_late`: its drain goes on; `interrupted`: Spot takes it anyway. */
export type CancelResult = 'kept' | 'too_late' | 'interrupted';

/**
 * Carries out the cancellation of one drain the policy called off (`cancel_requested`). The
 * drain ledger decides, race-free against the workflow: the canceller's conditional write and the
 * workflow's one before StopTask exclude each other. When the cancel wins the task is running
 * again, marked unregistered so the reconciler puts it back in its target group (the drain may
 * have taken it out); when the workflow won the task is draining again, and the policy replaces
 * it like any leaving task. A Spot-interrupted task is not kept: ECS stops it whatever happens.
 */
export async function cancelDrain(
  workload: WorkloadConfig,
  task: BurstTask,
  deps: CancelDrainDeps,
): Promise<CancelResult> {
  const drainId = drainIdOf(workload.name, task);
  if (task.interruptedAt) {
    await settle(workload, task, deps, (current) => ({
      task: {
        ...current,
        status: startedCurrentDrain(workload.name, current) ? 'draining' : 'drain_requested',
      },
      reason: `drain ${drainId} not cancelled: the task was interrupted by Fargate Spot at ${task.interruptedAt} and stops anyway`,
    }));
    deps.log.warn('drain not cancelled: the task is Spot-interrupted', {
      workload: workload.name,
      taskArn: task.taskArn,
    });
    return 'interrupted';
  }
  const outcome = await deps.ledger.cancel(task.region, {
    taskArn: task.taskArn,
    drainId,
    workload: workload.name,
    at: deps.clock(),
  });
  if (outcome === 'cancelled') {
    await settle(workload, task, deps, (current) => {
      const { drainRequestedAt: _requested, drainExecution: _execution, compensating: _c, ...rest } = current;
      return {
        task: { ...rest, status: 'running', registeredTarget: false },
        reason: `drain of ${taskLabel(task.region, task.taskId)} cancelled: pressure came back, the task keeps running (execution ${drainId})`,
      };
    });
  } else {
    await settle(workload, task, deps, (current) => ({
      // Not yet recorded as started (a crash after StartExecution): starting it again finds the
      // execution by its name and records it.
      task: {
        ...current,
        status: startedCurrentDrain(workload.name, current) ? 'draining' : 'drain_requested',
        cancelRefusedAt: deps.clock().toISOString(),
      },
      reason: `drain of ${taskLabel(task.region, task.taskId)} not cancelled: it had already passed its point of no return, stopping the task (execution ${drainId})`,
    }));
  }
  if (outcome === 'cancelled') deps.metrics?.record('DrainsCancelled', 1, { region: task.region });
  deps.log.info(outcome === 'cancelled' ? 'drain cancelled' : 'drain not cancelled: too late', {
    workload: workload.name,
    taskArn: task.taskArn,
    drainId,
  });
  return outcome === 'cancelled' ? 'kept' : 'too_late';
}

/**
 * Writes the outcome, with a decision log entry saying why, only while the task still waits for
 * this very cancellation: a concurrent invocation or the reconciler may have settled it already.
 */
async function settle(
  workload: WorkloadConfig,
  task: BurstTask,
  deps: CancelDrainDeps,
  outcome: (current: BurstTask) => { task: BurstTask; reason: string },
): Promise<void> {
  const now = deps.clock().toISOString();
  await updateState(deps, workload.name, (state) => {
    const current = state.tasks[task.taskId];
    if (current?.status !== 'cancel_requested' || current.drainRequestedAt !== task.drainRequestedAt)
      return undefined;
    const settled = outcome(current);
    const next: WorkloadState = { ...state, tasks: { ...state.tasks, [task.taskId]: settled.task } };
    return { next, decision: cancelReport(workload, task, next, settled.reason, now) };
  });
}

function cancelReport(
  workload: WorkloadConfig,
  task: BurstTask,
  state: WorkloadState,
  reason: string,
  at: string,
): Decision {
  return {
    id: `d-${digest([workload.name, task.taskArn, task.drainRequestedAt ?? '', 'cancel'])}`,
    workload: workload.name,
    at,
    action: { kind: 'hold' },
    reason,
    signals: [],
    liveTasks: countLive(state).total,
    firingAlerts: firingAlertKeys(state),
    tick: true,
  };
}
