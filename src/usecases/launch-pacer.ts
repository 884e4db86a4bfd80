/**
 * Fargate's launch quotas, per account and region: RunTask starts at most 10 tasks per call
 * (RUN_TASK_MAX_COUNT), the RunTask API takes about 20 calls a second, and task launches draw on
 * a bucket of 100 tasks that refills at 20 tasks a second. Going past them gets ThrottlingException.
 */
export interface FargateLaunchLimits {
  readonly callBurst: number;
  readonly callsPerSecond: number;
  readonly taskBurst: number;
  readonly tasksPerSecond: number;
}

export const FARGATE_LAUNCH_LIMITS: FargateLaunchLimits = {
  callBurst: 20,
  callsPerSecond: 20,
  taskBurst: 100,
  tasksPerSecond: 20,
};

/** What launching needs from time: the pace of RunTask calls, waiting, and jitter for backoff. */
export interface LaunchPacing {
  /** Resolves when one RunTask call for `tasks` tasks in `region` fits within the quotas. */
  acquire(region: string, tasks: number): Promise<void>;
  /**
   * ECS throttled a call in `region`: the account's buckets are empty, whatever this process took
   * from them (other instances launch too), so later calls here wait for them to refill.
   */
  throttled?(region: string): void;
  sleep(ms: number): Promise<void>;
  /** A number in [0, 1), for full-jitter backoff. */
  random(): number;
}

interface Buckets {
  calls: number;
  tasks: number;
  at: number;
  /** The part of the account's refill rates this instance takes: less after each throttle. */
  share: number;
}

/**
 * Token buckets per region, one for RunTask calls and one for tasks, so a large burst (250 tasks)
 * is paced within the quotas instead of throttled into failure. A caller takes its tokens at once,
 * even when that leaves a bucket in debt, and then waits until the debt is repaid: concurrent
 * callers queue up in order without a lock, because taking is synchronous.
 *
 * The buckets are shared by everything in one process, not by concurrent Lambda instances or the
 * reconciler: a ThrottlingException is still possible. It is retried with backoff by the caller,
 * and empties this process's buckets (`throttled`), and halves the share of the refill rates the
 * process takes, regained gradually: concurrent instances back off until together they launch at
 * about the quota's own pace, instead of spending their bursts on calls that are refused.
 */
export class LaunchPacer implements LaunchPacing {
  private readonly buckets = new Map<string, Buckets>();
  private readonly limits: FargateLaunchLimits;

  constructor(
    private readonly time: {
      readonly now: () => number;
      readonly sleep: (ms: number) => Promise<void>;
      readonly random?: () => number;
      readonly limits?: FargateLaunchLimits;
    },
  ) {
    this.limits = time.limits ?? FARGATE_LAUNCH_LIMITS;
  }

  async acquire(region: string, tasks: number): Promise<void> {
    const now = this.time.now();
    const bucket = this.refilled(region, now);
    bucket.calls -= 1;
    bucket.tasks -= tasks;
    const { callsPerSecond, tasksPerSecond } = this.limits;
    // The share comes back while this caller waits: the wait counts on it, not on today's share.
    const waitMs =
      Math.max(
        secondsToRefill(-bucket.calls, callsPerSecond, bucket.share),
        secondsToRefill(-bucket.tasks, tasksPerSecond, bucket.share),
      ) * 1000;
    if (waitMs > 0) await this.time.sleep(Math.ceil(waitMs));
  }

  throttled(region: string): void {
    const bucket = this.refilled(region, this.time.now());
    // Refilled up to now first, so an older debt is not forgiven by emptying it.
    bucket.calls = Math.min(0, bucket.calls);
    bucket.tasks = Math.min(0, bucket.tasks);
    bucket.share = Math.max(MIN_SHARE, bucket.share / 2);
  }

  /** The region's buckets at `now`: refilled at this instance's share of the rates, the share regained. */
  private refilled(region: string, now: number): Buckets {
    const { callBurst, callsPerSecond, taskBurst, tasksPerSecond } = this.limits;
    const bucket = this.buckets.get(region) ?? { calls: callBurst, tasks: taskBurst, at: now, share: 1 };
    const elapsed = Math.max(0, now - bucket.at) / 1000;
    const shareSeconds = sharedSeconds(bucket.share, elapsed);
    bucket.calls = Math.min(callBurst, bucket.calls + shareSeconds * callsPerSecond);
    bucket.tasks = Math.min(taskBurst, bucket.tasks + shareSeconds * tasksPerSecond);
    bucket.share = Math.min(1, bucket.share + elapsed * SHARE_REGAINED_PER_SECOND);
    bucket.at = now;
    this.buckets.set(region, bucket);
    return bucket;
  }

  sleep(ms: number): Promise<void> {
    return this.time.sleep(ms);
  }

  random(): number {
    return (this.time.random ?? Math.random)();
  }
}

/**
 * After a throttle an instance takes half its share of the refill rates, down to an eighth (about
 * as many instances as may launch at once: five deciders and the reconcilers), and regains it
 * over ten seconds without one: others launching leave it less, and when they stop it has all.
 */
const MIN_SHARE = 1 / 8;
const SHARE_REGAINED_PER_SECOND = 0.1;

/** The share integrated over `seconds` from `share`, as it is regained: full seconds' worth of refill. */
function sharedSeconds(share: number, seconds: number): number {
  const ramp = (1 - share) / SHARE_REGAINED_PER_SECOND;
  if (seconds <= ramp) return share * seconds + (SHARE_REGAINED_PER_SECOND * seconds * seconds) / 2;
  return share * ramp + (SHARE_REGAINED_PER_SECOND * ramp * ramp) / 2 + (seconds - ramp);
}

/** Seconds until `tokens` refill at `rate` a second, starting from `share` and regaining it. */
function secondsToRefill(tokens: number, rate: number, share: number): number {
  if (tokens <= 0) return 0;
  const need = tokens / rate;
  const ramp = (1 - share) / SHARE_REGAINED_PER_SECOND;
  const duringRamp = sharedSeconds(share, ramp);
  if (need > duringRamp) return ramp + (need - duringRamp);
  // share·t + g·t²/2 = need
  const g = SHARE_REGAINED_PER_SECOND;
  return (-share + Math.sqrt(share * share + 2 * g * need)) / g;
}

let shared: LaunchPacer | undefined;

/** The process's pacer on the real clock: every workload and every invocation in it share the quotas. */
export function sharedLaunchPacer(): LaunchPacer {
  shared ??= new LaunchPacer({
    now: () => Date.now(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  });
  return shared;
}
