/**
 * ECS in the burst regions, behind the BurstCompute port and the drain workflow's StopTask and
 * DescribeTasks: RunTask with its failures[] (no capacity), a clientToken that is honoured (as on
 * AWS within its window) or not (as the local emulator, or AWS once the window has passed),
 * throttling (counted faults, or the account's launch quotas), tasks that die on their own and
 * Spot interruptions. Tasks start RUNNING at once, as the emulator starts them; each gets a
 * private address for its target group.
 */
import {
  type LaunchResult,
  launchProblemOf,
  type ObservedTask,
  type RunBurstTasksRequest,
  RunTaskError,
} from '../../../src/adapters/burst-compute';
import { wrap } from '../../../src/adapters/errors';
import type { Capacity } from '../../../src/core/decision';
import type { FargateLaunchLimits } from '../../../src/usecases/launch-pacer';

export const ACCOUNT = '123456789012';

export interface SimTask {
  readonly taskArn: string;
  readonly region: string;
  readonly cluster: string;
  readonly family: string;
  lastStatus: 'RUNNING' | 'STOPPED';
  readonly tags: Readonly<Record<string, string>>;
  readonly capacity: Capacity;
  readonly clientToken: string;
  readonly privateIp: string;
  stoppedReason?: string;
  stopCode?: string;
  /** Who stopped it: the drain execution's name, or why ECS did. */
  stoppedBy?: string;
  stoppedAt?: number;
  /** ECS no longer knows it (an hour after it stopped): DescribeTasks misses it, StopTask refuses it. */
  gone?: boolean;
}

/** How long ECS keeps describing a stopped task. */
const KEPT_AFTER_STOP_MS = 3_600_000;

const THROTTLED = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });

export class SimEcs {
  readonly tasks = new Map<string, SimTask>();
  private readonly answers = new Map<string, LaunchResult>();
  private started = 0;
  /** True: a repeated clientToken gets the first call's tasks back (AWS within the token's window). */
  honourClientToken = true;
  /** Tasks each region can still place (on demand and Spot together); absent: unlimited. */
  readonly capacity = new Map<string, number>();
  /** RunTask calls still to be throttled. */
  throttleRunTask = 0;
  /** A permanent RunTask error every call gets until cleared (a bad task definition). */
  permanentError: Error | undefined;
  /** Every RunTask request, for the checks. */
  readonly runTaskCalls: { region: string; count: number; clientToken: string }[] = [];
  /**
   * Fargate's launch quotas per account and region, shared by every caller whatever its own pacing;
   * absent, ECS throttles only the counted calls above.
   */
  launchLimits: FargateLaunchLimits | undefined;
  private readonly quota = new Map<string, { calls: number; tasks: number; at: number }>();
  /** RunTask calls the launch quotas refused, and when. */
  readonly quotaThrottled: { region: string; count: number; at: number }[] = [];

  runBurstTasks(request: RunBurstTasksRequest): LaunchResult {
    const { region, cluster } = request.burstRegion;
    this.runTaskCalls.push({ region, count: request.count, clientToken: request.clientToken });
    if (this.throttleRunTask > 0) {
      this.throttleRunTask--;
      throw new RunTaskError(launchProblemOf(THROTTLED), THROTTLED);
    }
    if (this.permanentError)
      throw new RunTaskError(launchProblemOf(this.permanentError), this.permanentError);
    const previous = this.honourClientToken ? this.answers.get(request.clientToken) : undefined;
    if (!this.withinQuota(region, previous ? 0 : request.count)) {
      this.quotaThrottled.push({ region, count: request.count, at: this.now() });
      throw new RunTaskError(launchProblemOf(THROTTLED), THROTTLED);
    }
    if (previous) return previous;
    const room = this.capacity.get(region) ?? Number.POSITIVE_INFINITY;
    const placed = Math.max(0, Math.min(request.count, room));
    if (this.capacity.has(region)) this.capacity.set(region, room - placed);
    const tasks = Array.from({ length: placed }, () => {
      const id = (++this.started).toString(16).padStart(32, '0');
      const task: SimTask = {
        taskArn: `arn:aws:ecs:${region}:${ACCOUNT}:task/${cluster}/${id}`,
        region,
        cluster,
        family: request.burstRegion.taskDefinition.family,
        lastStatus: 'RUNNING',
        tags: { ...request.tags },
        capacity: request.capacity,
        clientToken: request.clientToken,
        privateIp: `10.0.${(this.started >> 8) & 255}.${this.started & 255}`,
      };
      this.tasks.set(task.taskArn, task);
      return { taskArn: task.taskArn, lastStatus: 'PROVISIONING' };
    });
    const result: LaunchResult = {
      tasks,
      failures: Array.from({ length: request.count - placed }, () => ({
        reason: 'RESOURCE:FARGATE',
        detail: 'Capacity is unavailable at this time',
        problem: 'capacity' as const,
      })),
    };
    this.answers.set(request.clientToken, result);
    return result;
  }

  /**
   * Takes a call and `tasks` launches from the region's buckets, or nothing when either is short:
   * a refused call costs nothing, so callers that keep asking get in as the buckets refill. A
   * repeated clientToken launches nothing, so it takes no task tokens.
   */
  private withinQuota(region: string, tasks: number): boolean {
    if (!this.launchLimits) return true;
    const { callBurst, callsPerSecond, taskBurst, tasksPerSecond } = this.launchLimits;
    const now = this.now();
    const bucket = this.quota.get(region) ?? { calls: callBurst, tasks: taskBurst, at: now };
    const elapsed = Math.max(0, now - bucket.at) / 1000;
    bucket.calls = Math.min(callBurst, bucket.calls + elapsed * callsPerSecond);
    bucket.tasks = Math.min(taskBurst, bucket.tasks + elapsed * tasksPerSecond);
    bucket.at = now;
    this.quota.set(region, bucket);
    // The epsilon forgives float dust: a caller that waited exactly for its tokens gets in.
    if (bucket.calls + 1e-9 < 1 || bucket.tasks + 1e-9 < tasks) return false;
    bucket.calls -= 1;
    bucket.tasks -= tasks;
    return true;
  }

  describe(region: string, cluster: string, taskArns: readonly string[], withTags = false): ObservedTask[] {
    return taskArns.map((taskArn) => {
      const task = this.tasks.get(taskArn);
      if (!task || task.gone || task.region !== region || task.cluster !== cluster)
        return { taskArn, lastStatus: 'MISSING', stoppedReason: 'MISSING' };
      return {
        taskArn,
        lastStatus: task.lastStatus,
        privateIp: task.privateIp,
        ...(task.stoppedReason ? { stoppedReason: task.stoppedReason } : {}),
        ...(withTags ? { tags: task.tags } : {}),
      };
    });
  }

  listStartedBySpillway(
    region: string,
    cluster: string,
    desiredStatus: 'RUNNING' | 'STOPPED' = 'RUNNING',
  ): ObservedTask[] {
    const listed = [...this.tasks.values()].filter(
      (t) => t.region === region && t.cluster === cluster && t.lastStatus === desiredStatus && !t.gone,
    );
    return this.describe(
      region,
      cluster,
      listed.map((t) => t.taskArn),
      true,
    );
  }

  /** StopTask: a task ECS does not know is an InvalidParameterException, as on AWS. */
  stopTask(taskArn: string, by: string): void {
    const task = this.tasks.get(taskArn);
    if (!task)
      throw wrap(
        'ecs',
        'StopTask',
        Object.assign(new Error('The referenced task was not found.'), { name: 'InvalidParameterException' }),
      );
    if (task.lastStatus === 'STOPPED') return;
    this.stop(task, 'Spillway drain', by);
  }

  /** A task that dies on its own (the `index`-th running one, cyclically); its ECS event, if any. */
  kill(index: number): SimTask | undefined {
    const victim = this.pick(index, () => true);
    if (victim) this.stop(victim, 'Essential container in task exited', 'ecs', 'EssentialContainerExited');
    return victim;
  }

  /** Fargate Spot takes a Spot task back: the warning comes first, the stop two minutes later. */
  interruptSpot(index: number): SimTask | undefined {
    const victim = this.pick(index, (t) => t.capacity === 'spot');
    if (victim) victim.stopCode = 'SpotInterruption';
    return victim;
  }

  /** Stops every task warned of a Spot interruption (the two minutes have passed). */
  reclaimSpot(): void {
    for (const task of this.tasks.values())
      if (task.lastStatus === 'RUNNING' && task.stopCode === 'SpotInterruption')
        this.stop(task, 'Your Spot Task was interrupted.', 'ecs', 'SpotInterruption');
  }

  /** ECS forgets tasks stopped more than an hour ago. */
  forgetStopped(now: number): void {
    for (const task of this.tasks.values())
      if (task.lastStatus === 'STOPPED' && (task.stoppedAt ?? now) < now - KEPT_AFTER_STOP_MS)
        task.gone = true;
  }

  running(): SimTask[] {
    return [...this.tasks.values()].filter((t) => t.lastStatus === 'RUNNING');
  }

  private pick(index: number, which: (task: SimTask) => boolean): SimTask | undefined {
    const candidates = this.running()
      .filter(which)
      .sort((a, b) => a.taskArn.localeCompare(b.taskArn));
    return candidates[index % Math.max(candidates.length, 1)];
  }

  /** The virtual clock, for when tasks stop. */
  now: () => number = () => 0;

  private stop(task: SimTask, reason: string, by: string, stopCode?: string): void {
    task.lastStatus = 'STOPPED';
    task.stoppedAt = this.now();
    task.stoppedReason = reason;
    task.stoppedBy = by;
    if (stopCode) task.stopCode = stopCode;
    const room = this.capacity.get(task.region);
    if (room !== undefined) this.capacity.set(task.region, room + 1);
  }
}
