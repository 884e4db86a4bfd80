import {
  type LaunchFailure,
  type LaunchProblem,
  type LaunchResult,
  launchProblemOf,
  type ObservedTask,
  RUN_TASK_MAX_COUNT,
  type RunBurstTasksRequest,
  type StartedTask,
} from '../adapters/burst-compute';
import type { BurstRegionConfig } from '../config/schema';
import type { Capacity } from '../core/decision';
import { runTaskClientToken } from '../core/ids';
import type { PendingLaunch } from '../core/workload-state';
import type { DecideDeps } from './ports';

/**
 * Retries of a throttled RunTask call before the claim is released and the message retried. The
 * retry budget (the launch's deadline) usually ends them first: a throttle also slows this
 * instance's pacer, so its retries wait for the account's refill rather than count down quickly
 * (at 6, concurrent instances gave launches up and waited a visibility timeout).
 */
export const MAX_THROTTLE_RETRIES = 12;
/**
 * Tries of a launch (claims, one per invocation) that a 5xx or network fault sends back to the
 * queue; at this one the region counts as failing and the launch moves on. The SDK has already
 * retried each call, so the invocation does not retry it again: the message retry spaces tries out.
 */
export const FAULTY_TRIES_BEFORE_FALLBACK = 4;
const BACKOFF_BASE_MS = 200;
const BACKOFF_CAP_MS = 5_000;

/**
 * The tag naming the RunTask batch that started a task (its first clientToken). ECS forgets a
 * clientToken after its window, and the emulator never honours one: a launch tried again after a
 * crash finds what its batches started by this tag instead of starting them twice.
 */
export const BATCH_TAG = 'spillway:batch';

export interface StartedBurstTask extends StartedTask {
  readonly capacity: Capacity;
}

/** What one region did with one pending launch. */
export interface RegionAttempt {
  /** Every task RunTask returned for the launch's clientTokens, including ones recorded before. */
  readonly started: readonly StartedBurstTask[];
  /** What RunTask reported or threw, for the decision log. */
  readonly failures: readonly LaunchFailure[];
  /** Spot tasks that found no capacity, and how many of them then started on demand. */
  readonly spot: { readonly short: number; readonly onDemand: number };
  /** Set when tasks are still missing and the region is to blame: the rest may go elsewhere. */
  readonly regionFailure?: string;
  /** Set when no retry and no other region can help (access denied, invalid parameters). */
  readonly permanent?: string;
}

/**
 * Starts one pending launch in its region: the on-demand part, the Spot part through the
 * FARGATE_SPOT capacity provider, then whatever Spot had no capacity for on demand (ECS has no such
 * fallback itself). Each call is paced within Fargate's quotas; a throttled call is retried with
 * backoff until `deadline`, and still throttled it throws (the caller releases its claim and the
 * message is retried); a 5xx or network fault throws too, until the launch's
 * FAULTY_TRIES_BEFORE_FALLBACK-th try, where the region counts as failing instead.
 */
export async function attemptRegion(
  burstRegion: BurstRegionConfig,
  launch: PendingLaunch,
  tags: Readonly<Record<string, string>>,
  deadline: number,
  deps: Pick<DecideDeps, 'compute' | 'pacer' | 'clock'>,
  found: readonly ObservedTask[] = [],
): Promise<RegionAttempt> {
  const started: StartedBurstTask[] = [];
  const failures: LaunchFailure[] = [];
  const spot = Math.min(launch.spot ?? 0, launch.count);
  const lane = async (capacity: Capacity, name: string, count: number) => {
    const result = await runLane(burstRegion, launch, { tags, found }, capacity, name, count, deadline, deps);
    started.push(...result.started);
    failures.push(...result.failures);
    return result;
  };
  const outcome = (fields: Partial<RegionAttempt>, spotShort = 0, spotOnDemand = 0): RegionAttempt => ({
    started,
    failures,
    spot: { short: spotShort, onDemand: spotOnDemand },
    ...fields,
  });

  const onDemand = await lane('on_demand', 'on-demand', launch.count - spot);
  if (onDemand.stop) return outcome(onDemand.stop);
  const spotLane = await lane('spot', 'spot', spot);
  // Spot short of capacity is expected now and then, and is what the on-demand retry is for; a
  // missing cluster or a permanent fault would fail on demand just the same.
  if (spotLane.stop && !spotLane.placementShortfall) return outcome(spotLane.stop);
  const short = spot - spotLane.started.length;
  if (short === 0) return outcome({});
  // A move back to Spot that finds no Spot capacity is given up, not started on demand again.
  if (launch.stayPut) return outcome({}, short, 0);
  const fallback = await lane('on_demand', 'spot-on-demand', short);
  return outcome(fallback.stop ?? {}, short, fallback.started.length);
}

interface LaneResult {
  readonly started: readonly StartedBurstTask[];
  readonly failures: readonly LaunchFailure[];
  /** Why the lane ended before starting all it was asked to. */
  readonly stop?: Pick<RegionAttempt, 'regionFailure' | 'permanent'>;
  /** True when ECS placed fewer than asked (or said it lacks capacity): another capacity may do. */
  readonly placementShortfall?: boolean;
}

/**
 * Starts `count` tasks of one capacity in batches of at most 10, each with its own clientToken. A
 * batch that comes back short ends the lane: the batches after it would meet the same shortage
 * and spend the account's RunTask quota for nothing.
 */
async function runLane(
  burstRegion: BurstRegionConfig,
  launch: PendingLaunch,
  {
    tags,
    found,
  }: { readonly tags: Readonly<Record<string, string>>; readonly found: readonly ObservedTask[] },
  capacity: Capacity,
  name: string,
  count: number,
  deadline: number,
  deps: Pick<DecideDeps, 'compute' | 'pacer' | 'clock'>,
): Promise<LaneResult> {
  const started: StartedBurstTask[] = [];
  const failures: LaunchFailure[] = [];
  for (let batch = 0, left = count; left > 0; batch++, left -= RUN_TASK_MAX_COUNT) {
    const size = Math.min(left, RUN_TASK_MAX_COUNT);
    const token = launchClientToken(launch, name, batch);
    // Tasks an earlier try of this batch started (found by their batch tag) are this try's too:
    // only what is missing is asked for, under a token of its own.
    const already = found.filter((task) => task.tags?.[BATCH_TAG] === token).slice(0, size);
    started.push(
      ...already.map((task) => ({ taskArn: task.taskArn, lastStatus: task.lastStatus, capacity })),
    );
    if (already.length >= size) continue;
    const request: RunBurstTasksRequest = {
      burstRegion,
      count: size - already.length,
      capacity,
      clientToken: already.length > 0 ? `${token}:${already.length}` : token,
      tags: { ...tags, [BATCH_TAG]: token },
    };
    const answer = await runWithRetry(request, launch.attempts, deadline, deps);
    if ('thrown' in answer) {
      const { problem, message } = answer.thrown;
      if (problem === 'permanent') {
        const permanent = `${message} (permanent: fix the configuration or permissions)`;
        return { started, failures, stop: { permanent } };
      }
      failures.push({ reason: message, problem });
      return {
        started,
        failures,
        stop: { regionFailure: message },
        placementShortfall: problem === 'capacity',
      };
    }
    started.push(...answer.result.tasks.map((task) => ({ ...task, capacity })));
    failures.push(...answer.result.failures);
    if (answer.result.tasks.length < request.count) {
      const why =
        summarise(answer.result.failures) ||
        `RunTask started ${answer.result.tasks.length} of ${request.count} without saying why`;
      return { started, failures, stop: { regionFailure: why }, placementShortfall: true };
    }
  }
  return { started, failures };
}

type CallAnswer =
  | { readonly result: LaunchResult }
  | { readonly thrown: { readonly problem: LaunchProblem; readonly message: string } };

/**
 * One RunTask call, paced, with full-jitter exponential backoff on throttling (the pacer's buckets
 * are per process: concurrent Lambda instances can still exceed the account's rate together). The
 * same clientToken on every try: a call that did start tasks before its answer was lost returns
 * them instead of starting more. Throws what the caller should give up the launch for, for now.
 */
async function runWithRetry(
  request: RunBurstTasksRequest,
  tries: number,
  deadline: number,
  deps: Pick<DecideDeps, 'compute' | 'pacer' | 'clock'>,
): Promise<CallAnswer> {
  for (let retry = 0; ; retry++) {
    await deps.pacer.acquire(request.burstRegion.region, request.count);
    try {
      return { result: await deps.compute.runBurstTasks(request) };
    } catch (error) {
      const problem = launchProblemOf(error);
      if (problem === 'throttling') {
        deps.pacer.throttled?.(request.burstRegion.region);
        const wait = deps.pacer.random() * Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** retry);
        // Throttled past the budget: the region's capacity is not the problem, so the launch is
        // given up for a later retry rather than moved.
        if (retry >= MAX_THROTTLE_RETRIES || deps.clock().getTime() + wait > deadline) throw error;
        await deps.pacer.sleep(wait);
        continue;
      }
      if (problem === 'transient' && tries < FAULTY_TRIES_BEFORE_FALLBACK) throw error;
      return { thrown: { problem, message: (error as Error).message } };
    }
  }
}

/**
 * RunTask keeps a clientToken for a day and answers a repeat with the first call's tasks. Tokens
 * therefore name the launch (its region and when it was requested, since a launch moved from a
 * failing region to one the decision already launched in is a second launch there), the lane
 * (on demand, Spot, Spot retried on demand) and the batch: a retry reuses them all, and nothing
 * else shares them.
 */
export function launchClientToken(launch: PendingLaunch, lane: string, batch: number): string {
  return runTaskClientToken(
    launch.decisionId,
    `${launch.region}\u0000${launch.requestedAt}\u0000${lane}`,
    batch,
  );
}

/** The distinct reasons, as one line. */
export function summarise(failures: readonly LaunchFailure[]): string {
  return [...new Set(failures.map((f) => (f.detail ? `${f.reason} (${f.detail})` : f.reason)))].join('; ');
}
