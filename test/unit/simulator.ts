/**
 * A small simulator of the world around the policy, for property tests: between decisions it does
 * what carry-out, ECS, the drain workflow and the reconciler would do to the recorded state, without
 * any I/O. Every function is pure: state in, state out.
 */
import type { WorkloadConfig } from '../../src/config/schema';
import { digest } from '../../src/core/ids';
import type { PolicyResult } from '../../src/core/policy';
import type { BurstTask, WorkloadState } from '../../src/core/workload-state';
import { taskArnOf } from './factories';

/** What the conditional write does with a decision: a changed state is stored as the next version. */
export function commitResult(state: WorkloadState, result: PolicyResult): WorkloadState {
  return result.changed ? { ...result.next, version: state.version + 1 } : state;
}

/**
 * Carry-out plus ECS: every pending launch becomes running tasks (its Spot share on Spot), except
 * `failedPerLaunch` of each (capacity errors), and leaves the outbox; every drain the policy called
 * off is cancelled before the workflow's point of no return, so the task runs on.
 */
export function launchPending(
  workload: WorkloadConfig,
  state: WorkloadState,
  now: Date,
  failedPerLaunch = 0,
): WorkloadState {
  const cancelled = Object.values(state.tasks).filter((t) => t.status === 'cancel_requested');
  if (state.pendingLaunches.length === 0 && cancelled.length === 0) return state;
  const tasks: Record<string, BurstTask> = { ...state.tasks };
  for (const task of cancelled) {
    const { drainRequestedAt: _requested, ...kept } = task;
    tasks[task.taskId] = { ...kept, status: 'running' };
  }
  for (const launch of state.pendingLaunches) {
    const cluster = workload.burstRegions.find((r) => r.region === launch.region)?.cluster ?? 'unknown';
    const started = launch.count - failedPerLaunch;
    for (let i = 0; i < started; i++) {
      const taskId = digest([launch.decisionId, launch.region, String(i)], 32);
      tasks[taskId] = {
        taskArn: taskArnOf(launch.region, cluster, taskId),
        taskId,
        region: launch.region,
        cluster,
        decisionId: launch.decisionId,
        startedAt: now.toISOString(),
        status: 'running',
        ...(i >= started - (launch.spot ?? 0) ? { capacity: 'spot' as const } : {}),
      };
    }
  }
  return { ...state, version: state.version + 1, pendingLaunches: [], tasks };
}

/**
 * The drain workflow, completed: every task whose drain was requested or started is stopped,
 * including those whose cancellation came too late (the workflow passed its point of no return).
 */
export function finishDrains(state: WorkloadState, now: Date): WorkloadState {
  const draining = Object.values(state.tasks).filter(
    (t) => t.status === 'drain_requested' || t.status === 'draining' || t.status === 'cancel_requested',
  );
  if (draining.length === 0) return state;
  const tasks: Record<string, BurstTask> = { ...state.tasks };
  for (const task of draining)
    tasks[task.taskId] = { ...task, status: 'stopped', stoppedAt: now.toISOString() };
  return { ...state, version: state.version + 1, tasks };
}

/** The reconciler finding that a running task died on its own (the `index`-th running one, cyclically). */
export function killRunningTask(state: WorkloadState, index: number, now: Date): WorkloadState {
  const running = Object.values(state.tasks)
    .filter((t) => t.status === 'running')
    .sort((a, b) => a.taskId.localeCompare(b.taskId));
  const victim = running[index % Math.max(running.length, 1)];
  if (!victim) return state;
  return {
    ...state,
    version: state.version + 1,
    tasks: {
      ...state.tasks,
      [victim.taskId]: {
        ...victim,
        status: 'stopped',
        stoppedAt: now.toISOString(),
        stopReason: 'Essential container exited',
      },
    },
  };
}

/**
 * ECS announcing a Spot interruption of a running Spot task (the `index`-th, cyclically), and the
 * reconciler reacting: the task is marked interrupted and its drain requested at once.
 */
export function interruptSpotTask(state: WorkloadState, index: number, now: Date): WorkloadState {
  const spot = Object.values(state.tasks)
    .filter((t) => t.status === 'running' && t.capacity === 'spot')
    .sort((a, b) => a.taskId.localeCompare(b.taskId));
  const victim = spot[index % Math.max(spot.length, 1)];
  if (!victim) return state;
  const at = now.toISOString();
  return {
    ...state,
    version: state.version + 1,
    tasks: {
      ...state.tasks,
      [victim.taskId]: { ...victim, status: 'drain_requested', drainRequestedAt: at, interruptedAt: at },
    },
  };
}

/** The bound of one region: its own `maxTasks`, else the workload's max. */
export const regionMax = (workload: WorkloadConfig, region: string): number =>
  workload.burstRegions.find((r) => r.region === region)?.maxTasks ?? workload.maxBurstTasks;
