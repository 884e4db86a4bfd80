import type { WorkloadConfig } from '../config/schema';
import type { Decision } from '../core/decision';
import { digest, taskLabel } from '../core/ids';
import {
  type BurstTask,
  countLive,
  firingAlertKeys,
  stopReasonOf,
  type WorkloadState,
} from '../core/workload-state';
import { updateState } from './commit-with-retry';
import type { ReconcileDeps } from './ports';

/** Full drains (wait, deregister, stop) of one task before Spillway stops it at once instead. */
export const MAX_FULL_DRAINS = 3;
/** The first retry waits this long after the failure; each further one twice as long, up to the cap. */
export const DRAIN_RETRY_BASE_SECONDS = 60;
export const DRAIN_RETRY_CAP_SECONDS = 900;

/** The task as recorded when one of its drains failed: counted, with when, for the retry's backoff. */
export function drainFailed(task: BurstTask, reason: string, now: Date): BurstTask {
  return {
    ...task,
    status: 'drain_failed',
    stopReason: stopReasonOf(reason),
    drainFailures: (task.drainFailures ?? 0) + 1,
    drainFailedAt: now.toISOString(),
  };
}

export const retryDelaySeconds = (failures: number): number =>
  Math.min(DRAIN_RETRY_CAP_SECONDS, DRAIN_RETRY_BASE_SECONDS * 2 ** Math.max(0, failures - 1));

/**
 * A failed drain leaves a task that still runs and still counts: it is never left there. Each one
 * is drained again once its backoff has passed (a new execution: the retry is a drain of its own);
 * after MAX_FULL_DRAINS failed full drains the retry is a compensating drain that stops the task
 * at once, through the same workflow and its guard, and repeats every DRAIN_RETRY_CAP_SECONDS
 * until ECS reports the task stopped. Every failure is an error in the log (`alarm: DrainFailed`)
 * and a line in the decision log, so an operator sees a drain that keeps failing.
 */
export async function retryFailedDrains(
  workload: WorkloadConfig,
  deps: ReconcileDeps,
  /** The state as the reconcile run last saw it: with no failed drain in it, nothing is read again. */
  seen?: WorkloadState,
): Promise<number> {
  // Only the reconcile run records a failed drain: its fold is in `seen`, and one its stuck-drain
  // check has just recorded is not due before its backoff, so the next run retries it.
  if (seen && !Object.values(seen.tasks).some((t) => t.status === 'drain_failed')) return 0;
  const now = deps.clock();
  const nowIso = now.toISOString();
  const due = (task: BurstTask) =>
    task.status === 'drain_failed' &&
    now.getTime() >=
      Date.parse(task.drainFailedAt ?? nowIso) + retryDelaySeconds(task.drainFailures ?? 1) * 1000;
  let retried: BurstTask[] = [];
  await updateState(deps, workload.name, (state) => {
    retried = Object.values(state.tasks).filter(due);
    if (retried.length === 0) return undefined;
    const tasks = { ...state.tasks };
    const lines: string[] = [];
    for (const task of retried) {
      const failures = task.drainFailures ?? 1;
      const compensating = failures >= MAX_FULL_DRAINS;
      const { drainExecution: _previous, ...rest } = task;
      tasks[task.taskId] = { ...rest, status: 'drain_requested', drainRequestedAt: nowIso, compensating };
      lines.push(
        `${taskLabel(task.region, task.taskId)}: drain failed ${failures} time(s) (${task.stopReason ?? 'unknown'}); ${
          compensating ? 'stopping it at once through the drain workflow' : 'draining it again'
        }`,
      );
    }
    const next = { ...state, tasks };
    const decision: Decision = {
      id: `d-${digest([workload.name, String(state.version), 'drain-retry'])}`,
      workload: workload.name,
      at: nowIso,
      action: { kind: 'hold' },
      reason: `failed drains retried: ${lines.join('; ')}`,
      signals: [],
      liveTasks: countLive(next).total,
      firingAlerts: firingAlertKeys(next),
      tick: true,
    };
    return { next, decision };
  });
  for (const task of retried)
    deps.log.error('drain failed; retrying', {
      alarm: 'DrainFailed',
      workload: workload.name,
      taskArn: task.taskArn,
      failures: task.drainFailures ?? 1,
      reason: task.stopReason,
      compensating: (task.drainFailures ?? 1) >= MAX_FULL_DRAINS,
    });
  return retried.length;
}
