import type { ObservedTask } from '../adapters/burst-compute';
import type { BurstRegionConfig, WorkloadConfig } from '../config/schema';
import { taskIdOf } from '../core/ids';
import { isOpen, type RegionHealthMap } from '../core/region-health';
import { type BurstTask, countLive, type PendingLaunch, type WorkloadState } from '../core/workload-state';
import { updateState } from './commit-with-retry';
import { attemptRegion, type RegionAttempt } from './launch-attempt';
import { type MovedLaunches, moveRemainder } from './launch-fallback';
import { recordRegionFailure, recordRegionSuccess } from './launch-health';
import { launchReport, type SettleContext } from './launch-report';
import type { DecideDeps } from './ports';

/**
 * How long a claim on a pending launch holds. An invocation that claimed a launch and died is
 * taken over after this; the takeover reuses the clientToken, so RunTask returns the same tasks.
 */
export const LAUNCH_CLAIM_SECONDS = 120;
/** How long one launch may keep retrying throttled RunTask calls: well inside decide's 60 s. */
export const LAUNCH_RETRY_BUDGET_SECONDS = 20;

/** A launch claimed by the invocation carrying it out: when, and one more attempt. */
export const claimedLaunch = (launch: PendingLaunch, now: Date): PendingLaunch => ({
  ...launch,
  claimedAt: now.toISOString(),
  attempts: launch.attempts + 1,
});
/**
 * Launches one carry-out follows from region to region. Each failing region is left out of the
 * moves after it, so a chain ends by itself; the bound keeps one invocation's work finite anyway,
 * and what is left stays pending for the next carry-out.
 */
export const MAX_LAUNCH_HOPS = 6;

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
 * Carries out one pending launch, and the launches it turns into: Spot short of capacity runs on
 * demand in the same region; what a failing region still did not start moves, in the same write
 * that records what did start, to the next regions placement picks (leaving out every region that
 * failed here and every open circuit), and is launched there in this same invocation.
 */
export async function launchPending(
  workload: WorkloadConfig,
  launch: PendingLaunch,
  deps: DecideDeps,
  context: LaunchContext = {},
): Promise<WorkloadState | undefined> {
  const deadline = deps.clock().getTime() + LAUNCH_RETRY_BUDGET_SECONDS * 1000;
  const failedRegions: string[] = [];
  const queue: PendingLaunch[] = [launch];
  let known = context.known;
  let health = context.regionHealth;
  for (let hop = 0; hop < MAX_LAUNCH_HOPS && queue.length > 0; hop++) {
    const next = queue.shift() as PendingLaunch;
    // Only the decision's own launch was claimed in its write; a moved one is claimed anew.
    const claimed = hop === 0 && next.decisionId === context.claimed && !!next.claimedAt;
    const outcome = await launchInRegion(workload, next, failedRegions, deadline, deps, {
      ...(known ? { known } : {}),
      ...(health ? { regionHealth: health } : {}),
      claimed,
    });
    queue.push(...outcome.moved);
    known = outcome.known;
    health = outcome.regionHealth;
  }
  if (queue.length > 0)
    deps.log.warn('burst launch moved too often for one invocation; the rest stays pending', {
      workload: workload.name,
      decisionId: launch.decisionId,
      pending: queue.map((p) => `${p.count} in ${p.region}`),
    });
  return known;
}

/** What the caller already knows: the state last written or read, the breakers, the claim. */
export interface LaunchContext {
  readonly known?: WorkloadState;
  readonly regionHealth?: RegionHealthMap;
  /** The decision whose launches the caller claimed in the decision's own write. */
  readonly claimed?: string;
}

/**
 * Claims (unless the decision's write did), attempts and settles one launch; returns the launches
 * its remainder moved to, the state as settled and the breakers as they stand.
 */
async function launchInRegion(
  workload: WorkloadConfig,
  launch: PendingLaunch,
  failedRegions: string[],
  deadline: number,
  deps: DecideDeps,
  context: {
    readonly known?: WorkloadState;
    readonly regionHealth?: RegionHealthMap;
    readonly claimed: boolean;
  },
): Promise<{ moved: readonly PendingLaunch[]; known?: WorkloadState; regionHealth?: RegionHealthMap }> {
  const claimed = context.claimed ? launch : await claim(workload, launch, deps);
  if (!claimed) return { moved: [], ...(context.regionHealth ? { regionHealth: context.regionHealth } : {}) };
  const { region } = claimed;
  const burstRegion = workload.burstRegions.find((r) => r.region === region);
  let health = context.regionHealth ?? (await deps.store.loadRegionHealth());
  // An open circuit is skipped only for a launch nobody has tried: one that was tried may have
  // started tasks, which only its own clientTokens bring back.
  const skipped = claimed.attempts <= 1 && isOpen(health[region], deps.clock());
  let attempt: RegionAttempt;
  if (!burstRegion) {
    attempt = nothingStarted({
      permanent: `region ${region} is no longer a burst region of ${workload.name}`,
    });
  } else if (skipped) {
    attempt = nothingStarted({ regionFailure: 'circuit open' });
  } else {
    try {
      const tags = burstTaskTags(deps.config.environment, workload, claimed.decisionId);
      const found = claimed.attempts > 1 ? await startedBefore(burstRegion, claimed, deps) : [];
      attempt = await attemptRegion(burstRegion, claimed, tags, deadline, deps, found);
    } catch (error) {
      // Throttled past the budget: release the claim and let the message be retried; the retry
      // reuses the clientTokens, so batches that did start come back instead of starting again.
      await release(workload, claimed, deps);
      throw error;
    }
  }
  if (attempt.regionFailure) {
    failedRegions.push(region);
    if (!skipped) health = await recordRegionFailure(region, attempt.regionFailure, deps);
  } else if (!attempt.permanent && hasFailures(health, region)) {
    health = await recordRegionSuccess(region, deps);
  }
  const settled = await settle(
    workload,
    claimed,
    burstRegion?.cluster ?? '',
    attempt,
    { health, failedRegions, skipped },
    deps,
    context.claimed ? context.known : undefined,
  );
  return { ...settled, regionHealth: health };
}

/**
 * One conditional write: records the tasks that started, removes the launch, and, when its region
 * failed, adds the launches its remainder moves to, with the report of what happened.
 */
async function settle(
  workload: WorkloadConfig,
  launch: PendingLaunch,
  cluster: string,
  attempt: RegionAttempt,
  context: SettleContext,
  deps: DecideDeps,
  known?: WorkloadState,
): Promise<{ moved: readonly PendingLaunch[]; known: WorkloadState }> {
  const now = deps.clock();
  const nowIso = now.toISOString();
  let moved: MovedLaunches = { launches: [], candidates: [] };
  const settled = await updateState(
    deps,
    workload.name,
    (state) => {
      moved = { launches: [], candidates: [] };
      const stillPending = state.pendingLaunches.some((p) => sameLaunch(p, launch));
      const tasks: Record<string, BurstTask> = { ...state.tasks };
      let added = 0;
      for (const task of attempt.started) {
        const taskId = taskIdOf(task.taskArn);
        if (tasks[taskId]) continue;
        added++;
        tasks[taskId] = {
          taskArn: task.taskArn,
          taskId,
          region: launch.region,
          cluster,
          decisionId: launch.decisionId,
          startedAt: nowIso,
          status: 'running',
          ecsStatus: task.lastStatus,
          capacity: task.capacity,
        };
      }
      if (!stillPending && added === 0) return undefined;
      let next: WorkloadState = {
        ...state,
        tasks,
        pendingLaunches: state.pendingLaunches.filter((p) => !sameLaunch(p, launch)),
      };
      // A launch found already gone was finished by an invocation that took over a lapsed claim:
      // that one reported and moved what was missing; this one only records what it started.
      if (!stillPending) return { next };
      const remainder = launch.count - attempt.started.length;
      if (attempt.regionFailure && remainder > 0 && !launch.stayPut) {
        moved = moveRemainder(workload, next, launch, remainder, {
          regionHealth: context.health,
          now,
          exclude: context.failedRegions,
        });
        next = { ...next, pendingLaunches: [...next.pendingLaunches, ...moved.launches] };
      }
      const report = launchReport(workload, launch, attempt, moved, context, countLive(next).total, now);
      return report ? { next, decision: report } : { next };
    },
    known ? { known } : {},
  );
  recordLaunch(launch, attempt, now, deps);
  const fields = { workload: workload.name, decisionId: launch.decisionId, region: launch.region };
  if (attempt.regionFailure || attempt.permanent)
    deps.log.error('burst tasks not started', {
      ...fields,
      failures: attempt.failures,
      ...(attempt.permanent ? { permanent: attempt.permanent } : {}),
      movedTo: moved.launches.map((p) => `${p.count} in ${p.region}`),
    });
  deps.log.info('burst tasks started', {
    ...fields,
    requested: launch.count,
    started: attempt.started.length,
    spot: attempt.started.filter((t) => t.capacity === 'spot').length,
  });
  return { moved: moved.launches, known: settled };
}

/**
 * The tasks an earlier try of this launch started: a try that crashed (or lost its answer)
 * after RunTask left them unrecorded, and a clientToken is no guarantee they come back (the
 * emulator ignores it; AWS forgets it after its window).
 */
async function startedBefore(
  burstRegion: BurstRegionConfig,
  launch: PendingLaunch,
  deps: DecideDeps,
): Promise<ObservedTask[]> {
  // A task that started and already stopped counts too: the launch started it, and replacing it is
  // the policy's decision (with its crash-loop guard), not the launch's.
  const { region, cluster } = burstRegion;
  const tasks = [
    ...(await deps.compute.listStartedBySpillway(region, cluster, 'RUNNING')),
    ...(await deps.compute.listStartedBySpillway(region, cluster, 'STOPPED')),
  ];
  return tasks.filter(
    (task) =>
      task.tags?.['spillway:decision'] === launch.decisionId &&
      task.tags?.['spillway:environment'] === deps.config.environment,
  );
}

/** Tasks started and not, by region and why; the decision's latency on its first answer. */
function recordLaunch(launch: PendingLaunch, attempt: RegionAttempt, now: Date, deps: DecideDeps): void {
  const metrics = deps.metrics;
  if (!metrics) return;
  const region = launch.region;
  if (attempt.started.length > 0) metrics.record('LaunchesStarted', attempt.started.length, { region });
  const missing = launch.count - attempt.started.length;
  if (missing > 0) {
    const reason = attempt.permanent ? 'permanent' : (attempt.failures[0]?.problem ?? 'unknown');
    metrics.record('LaunchesFailed', missing, { region, reason });
  }
  // Only the first try answers for the decision's latency; a retry measures the retry.
  if (launch.signalObservedAt && launch.attempts <= 1)
    metrics.record('DecisionLatency', now.getTime() - Date.parse(launch.signalObservedAt), {});
}

const nothingStarted = (fields: Partial<RegionAttempt>): RegionAttempt => ({
  started: [],
  failures: [],
  spot: { short: 0, onDemand: 0 },
  ...fields,
});

const hasFailures = (health: RegionHealthMap, region: string) => {
  const record = health[region];
  return !!record && (record.consecutiveFailures > 0 || !!record.openUntil);
};

/**
 * A pending launch is named by its decision, its region and when it was requested: a launch moved
 * from a failing region may join the decision's own launch to the same region.
 */
const sameLaunch = (a: PendingLaunch, b: PendingLaunch) =>
  a.decisionId === b.decisionId && a.region === b.region && a.requestedAt === b.requestedAt;

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
 * never call RunTask for the same launch at once. Returns the launch as claimed, or undefined when
 * it is done or claimed by another.
 */
async function claim(
  workload: WorkloadConfig,
  launch: PendingLaunch,
  deps: DecideDeps,
): Promise<PendingLaunch | undefined> {
  let mine: PendingLaunch | undefined;
  const now = deps.clock();
  await updateState(deps, workload.name, (state) => {
    mine = undefined;
    const current = state.pendingLaunches.find((p) => sameLaunch(p, launch));
    if (!current) return undefined;
    if (current.claimedAt && now.getTime() - Date.parse(current.claimedAt) < LAUNCH_CLAIM_SECONDS * 1000) {
      return undefined;
    }
    const claimed = claimedLaunch(current, now);
    mine = claimed;
    return {
      next: {
        ...state,
        pendingLaunches: state.pendingLaunches.map((p) => (sameLaunch(p, launch) ? claimed : p)),
      },
    };
  });
  return mine;
}
