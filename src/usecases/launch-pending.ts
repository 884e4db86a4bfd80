import type { LaunchFailure, StartedTask } from '../adapters/burst-compute';
import { RUN_TASK_MAX_COUNT } from '../adapters/burst-compute';
import { AdapterError } from '../adapters/errors';
import type { WorkloadConfig } from '../config/schema';
import type { Decision } from '../core/decision';
import { digest, runTaskClientToken, taskIdOf } from '../core/ids';
import type { BurstTask, PendingLaunch, WorkloadState } from '../core/workload-state';
import { updateState } from './commit-with-retry';
import type { DecideDeps } from './ports';

/**
 * How long a claim on a pending launch holds. An invocation that claimed a launch and died is
 * taken over after this; the takeover reuses the clientToken, so RunTask returns the same tasks.
 */
export const LAUNCH_CLAIM_SECONDS = 120;

/** ECS tags on every burst task: how the reconciler finds what Spillway started. */
export function burstTaskTags(environment: string, workload: WorkloadConfig, decisionId: string) {
  return {
    'spillway:workload': workload.name,
    'spillway:environment': environment,
    'spillway:decision': decisionId,
    'spillway:home-site': workload.homeSite,
  };
}

/**
 * Starts one pending launch: claims it, calls RunTask in batches of at most 10 with the decision's
 * clientTokens, records what started and reports what did not.
 */
export async function launchPending(
  workload: WorkloadConfig,
  launch: PendingLaunch,
  deps: DecideDeps,
): Promise<void> {
  if (!(await claim(workload, launch, deps))) return;
  const burstRegion = workload.burstRegions.find((r) => r.region === launch.region);
  const started: StartedTask[] = [];
  const failures: LaunchFailure[] = [];
  if (!burstRegion) {
    failures.push({ reason: `region ${launch.region} is no longer a burst region of ${workload.name}` });
  } else {
    const tags = burstTaskTags(deps.config.environment, workload, launch.decisionId);
    try {
      for (let batch = 0, left = launch.count; left > 0; batch++, left -= RUN_TASK_MAX_COUNT) {
        const result = await deps.compute.runBurstTasks({
          burstRegion,
          count: Math.min(left, RUN_TASK_MAX_COUNT),
          clientToken: runTaskClientToken(launch.decisionId, launch.region, batch),
          tags,
        });
        started.push(...result.tasks);
        failures.push(...result.failures);
      }
    } catch (error) {
      if (!(error instanceof AdapterError) || error.retryable) {
        // Throttling, 5xx, network: release the claim and let the message be retried; the retry
        // reuses the clientTokens, so batches that did start come back instead of starting again.
        await release(workload, launch, deps);
        throw error;
      }
      // Access denied, invalid parameters: retrying cannot help. Record it loudly and move on.
      failures.push({ reason: `${error.message} (permanent: fix the configuration or permissions)` });
    }
  }
  const now = deps.clock().toISOString();
  const report =
    failures.length > 0 ? launchReport(workload, launch, started.length, failures, now) : undefined;
  if (report)
    deps.log.error('burst tasks not started', {
      workload: workload.name,
      decisionId: launch.decisionId,
      region: launch.region,
      failures,
    });
  await updateState(deps, workload.name, (state) => {
    const stillPending = state.pendingLaunches.some((p) => sameLaunch(p, launch));
    const tasks: Record<string, BurstTask> = { ...state.tasks };
    let added = 0;
    for (const task of started) {
      const taskId = taskIdOf(task.taskArn);
      if (tasks[taskId]) continue;
      added++;
      tasks[taskId] = {
        taskArn: task.taskArn,
        taskId,
        region: launch.region,
        cluster: burstRegion?.cluster ?? '',
        decisionId: launch.decisionId,
        startedAt: now,
        status: 'running',
        ecsStatus: task.lastStatus,
      };
    }
    if (!stillPending && added === 0) return undefined;
    const next: WorkloadState = {
      ...state,
      tasks,
      pendingLaunches: state.pendingLaunches.filter((p) => !sameLaunch(p, launch)),
    };
    return report && stillPending ? { next, decision: report } : { next };
  });
  deps.log.info('burst tasks started', {
    workload: workload.name,
    decisionId: launch.decisionId,
    region: launch.region,
    requested: launch.count,
    started: started.length,
  });
}

const sameLaunch = (a: PendingLaunch, b: PendingLaunch) =>
  a.decisionId === b.decisionId && a.region === b.region;

async function release(workload: WorkloadConfig, launch: PendingLaunch, deps: DecideDeps): Promise<void> {
  await updateState(deps, workload.name, (state) => {
    const current = state.pendingLaunches.find((p) => sameLaunch(p, launch));
    if (!current?.claimedAt) return undefined;
    const { claimedAt: _released, ...unclaimed } = current;
    return {
      next: {
        ...state,
        pendingLaunches: state.pendingLaunches.map((p) => (sameLaunch(p, launch) ? unclaimed : p)),
      },
    };
  });
}

/**
 * Claims a pending launch for this invocation with a conditional write, so concurrent deciders
 * never call RunTask for the same launch at once. False when it is done or claimed by another.
 */
async function claim(workload: WorkloadConfig, launch: PendingLaunch, deps: DecideDeps): Promise<boolean> {
  let mine = false;
  const now = deps.clock();
  await updateState(deps, workload.name, (state) => {
    mine = false;
    const current = state.pendingLaunches.find((p) => sameLaunch(p, launch));
    if (!current) return undefined;
    if (current.claimedAt && now.getTime() - Date.parse(current.claimedAt) < LAUNCH_CLAIM_SECONDS * 1000) {
      return undefined;
    }
    mine = true;
    const claimed = { ...current, claimedAt: now.toISOString(), attempts: current.attempts + 1 };
    return {
      next: {
        ...state,
        pendingLaunches: state.pendingLaunches.map((p) => (sameLaunch(p, launch) ? claimed : p)),
      },
    };
  });
  return mine;
}

function launchReport(
  workload: WorkloadConfig,
  launch: PendingLaunch,
  startedCount: number,
  failures: readonly LaunchFailure[],
  at: string,
): Decision {
  const reasons = [...new Set(failures.map((f) => (f.detail ? `${f.reason} (${f.detail})` : f.reason)))].join(
    '; ',
  );
  return {
    id: `${launch.decisionId}-launch-${digest([launch.region], 8)}`,
    workload: workload.name,
    at,
    action: { kind: 'hold' },
    reason: `RunTask in ${launch.region} started ${startedCount} of ${launch.count} task(s) for decision ${launch.decisionId}: ${reasons}`,
    signals: [],
    liveTasks: startedCount,
    firingAlerts: [],
    tick: false,
  };
}
