import type { WorkloadConfig } from '../config/schema';
import { clipped } from './clip';
import type { Capacity } from './decision';
import type { Severity, SignalSource, SignalState } from './signal';

/**
 * Lifecycle of a burst task as Spillway records it. `drain_requested` is written together with the
 * scale-in decision; the drain workflow then owns the task until it reports `stopped` or `drain_failed`.
 */
export type BurstTaskStatus =
  | 'running'
  | 'drain_requested'
  | 'draining'
  /** Pressure came back while draining: the drain is being cancelled to keep the task. */
  | 'cancel_requested'
  | 'stopped'
  | 'drain_failed';

export interface BurstTask {
  readonly taskArn: string;
  readonly taskId: string;
  readonly region: string;
  readonly cluster: string;
  readonly decisionId: string;
  readonly startedAt: string;
  readonly status: BurstTaskStatus;
  /** Last status ECS reported (PROVISIONING, RUNNING, STOPPED…), when known. */
  readonly ecsStatus?: string;
  readonly drainRequestedAt?: string;
  readonly drainExecution?: string;
  readonly stoppedAt?: string;
  /** Why the task stopped, when it stopped on its own or its drain failed. */
  readonly stopReason?: string;
  /** The task's address in its VPC, once ECS reports it; the target id in an ip target group. */
  readonly privateIp?: string;
  /** True once the task is registered in its region's target group. */
  readonly registeredTarget?: boolean;
  /** Fargate Spot or on demand; absent means on demand (tasks recorded before Spot existed). */
  readonly capacity?: Capacity;
  /** When ECS announced a Spot interruption: the task is drained at once and replaced. */
  readonly interruptedAt?: string;
  /**
   * When calling its drain off came too late (the workflow had passed its point of no return):
   * the drain goes on, the task is not offered for cancelling again, and its replacement is not a
   * crash for the crash-loop guard.
   */
  readonly cancelRefusedAt?: string;
  /** An interrupted or cancel-refused task whose replacement has been decided (not replaced twice). */
  readonly replaced?: boolean;
  /** Drains of this task that failed so far; each failure is retried (see failed-drains.ts). */
  readonly drainFailures?: number;
  /** When the last drain failed: the retry waits a backoff from here. */
  readonly drainFailedAt?: string;
  /**
   * A drain that stops the task at once, without waiting or deregistering: what is left after
   * full drains kept failing (the wait was served by the first of them).
   */
  readonly compensating?: boolean;
}

/** The last applied state of one alert key; keeps resolved alerts to recognise stale redeliveries. */
export interface AlertRecord {
  readonly source: SignalSource;
  readonly state: SignalState;
  readonly severity: Severity;
  /** The metric value the signal carried, for proportional sizing. */
  readonly value?: number;
  readonly observedAt: string;
  /**
   * When a delivery last said the alert fires (a re-send of the same episode included): a firing
   * alert not heard of for the workload's alertSilenceSeconds stops counting as pressure.
   */
  readonly lastSeenAt?: string;
  /** Set when the alert went silent; a re-send clears it and the alert is pressure again. */
  readonly silentSince?: string;
  /**
   * What the sender said about a firing alert, so `status` and the page can say what fires without
   * the sender's UI; cut and capped (memory.ts), and dropped on resolution, to keep the item small.
   */
  readonly summary?: string;
  /** What people call it (alertname, alarm name): kept with the summary, under the same cap. */
  readonly name?: string;
}

/**
 * Firing alerts beyond what the state keeps one by one (an alert storm): counted, not named. They
 * are pressure until resolutions of alerts not kept bring the count to zero, or until none of them
 * has been sent for the workload's alertSilenceSeconds.
 */
export interface AlertOverflow {
  readonly alerts: number;
  readonly severity: Severity;
  readonly value?: number;
  /** The oldest and newest observedAt among the summarised alerts. */
  readonly since: string;
  readonly newest: string;
  readonly lastSeenAt: string;
}

/** An operator's pause: no new tasks (scale-out, replacements) until resumed or `until`; drains continue. */
export interface PauseRecord {
  readonly since: string;
  readonly reason: string;
  readonly commandId: string;
  readonly requestedBy?: string;
  readonly until?: string;
}

/** An operator's dry-run: decisions are computed and logged, nothing is launched or drained. */
export interface DryRunRecord {
  readonly since: string;
  readonly reason: string;
  readonly commandId: string;
  readonly requestedBy?: string;
}

/**
 * An evacuation: the workload's full home capacity (homeCapacityTasks, bounded by maxBurstTasks)
 * runs in the burst regions until `until` or an end_evacuation, then drains back by the policy.
 */
export interface EvacuationRecord {
  readonly since: string;
  readonly reason: string;
  readonly commandId: string;
  readonly requestedBy?: string;
  readonly until?: string;
  /** The maintenance window (or site loss episode) that asked for it, when one did. */
  readonly window?: string;
  /** A lost site's evacuation that may exceed the spend guards (its site's spendGuardDuringLoss). */
  readonly exceedSpendGuard?: boolean;
}

/** A scale-out decided and committed but not yet confirmed by RunTask (the outbox of a decision). */
export interface PendingLaunch {
  readonly decisionId: string;
  readonly region: string;
  readonly count: number;
  /** How many of `count` to start on Fargate Spot (they fall back to on demand without capacity). */
  readonly spot?: number;
  readonly requestedAt: string;
  readonly attempts: number;
  /** Set by the invocation carrying the launch out; others leave it alone until the claim is stale. */
  readonly claimedAt?: string;
  /** When the newest signal the deciding batch applied was observed: the start of its latency. */
  readonly signalObservedAt?: string;
  /**
   * A move back (rebalance.ts): started where and how it was placed, or not at all. No other
   * region, and no on-demand retry of Spot: elsewhere it would not be the move it was decided as.
   */
  readonly stayPut?: boolean;
}

/**
 * A drill under way in one region, kept in the workload's state so that every decision counts it
 * against the maxes, under the same conditional write as the launches it competes with.
 * `starting`: reserved, RunTask not yet answered; `started`: the task exists; `draining`: its
 * drain workflow runs. It leaves the state when its result is recorded.
 */
export interface DrillRun {
  readonly drillId: string;
  readonly region: string;
  readonly cluster: string;
  readonly requestedAt: string;
  readonly requestedBy?: string;
  readonly phase: 'starting' | 'started' | 'draining';
  readonly taskArn?: string;
  readonly ecsStatus?: string;
  readonly privateIp?: string;
  readonly runningAt?: string;
  readonly healthyAt?: string;
  readonly registeredTarget?: boolean;
  readonly drainRequestedAt?: string;
  readonly drainExecution?: string;
  /** Why the drill failed; its task is still drained. */
  readonly error?: string;
  /**
   * Its failed result is recorded (and alarmed) already: a drain that failed. The drill stays, and
   * counts against the maxes, until its task is known stopped; only then does it leave the state.
   */
  readonly reported?: boolean;
  /** A drain again after a failed one: at once, without waiting or deregistering. */
  readonly compensating?: boolean;
}

/** A move under way, recorded by the decision that started its tasks. */
export interface RebalanceMove {
  readonly decisionId: string;
  readonly from: string;
  readonly to: string;
  readonly count: number;
  readonly startedAt: string;
  /** `spot`: on-demand tasks a Spot shortage left, moved back onto Spot in the same region. */
  readonly capacity?: 'spot';
}

export interface WorkloadState {
  readonly workload: string;
  /** Incremented on every write; writes are conditional on the version they read. */
  readonly version: number;
  readonly alerts: Readonly<Record<string, AlertRecord>>;
  /** Firing alerts of a storm beyond MAX_TRACKED_ALERTS, summarised (see memory.ts). */
  readonly alertOverflow?: AlertOverflow;
  /**
   * What forgotten alert records leave behind, so an old delivery cannot bring a forgotten alert
   * back: per bucket of alert keys (see memory.ts), the newest observedAt of a record forgotten in it.
   */
  readonly forgotten?: Readonly<Record<string, string>>;
  /**
   * Dedup keys of applied operator commands (and, in states written before signals were known
   * again by their alert's record, of signals), with the time they may be forgotten.
   */
  readonly applied: Readonly<Record<string, string>>;
  readonly lastScaleOutAt?: string;
  readonly lastScaleInAt?: string;
  readonly pendingLaunches: readonly PendingLaunch[];
  readonly tasks: Readonly<Record<string, BurstTask>>;
  /**
   * The burst size the last scaling decision aimed for. Live tasks below it while the workload is
   * still under pressure were lost (stopped on their own) and are replaced.
   */
  readonly desiredTasks?: number;
  /** When lost tasks were last replaced, newest last: the crash-loop guard counts them. */
  readonly replacements?: readonly string[];
  readonly paused?: PauseRecord;
  readonly dryRun?: DryRunRecord;
  readonly evacuation?: EvacuationRecord;
  /**
   * When the last command applied to each control was issued: the queue may deliver an older
   * command after a newer one, and the older must not undo it (a late pause after a resume).
   */
  readonly controlsIssuedAt?: Readonly<Partial<Record<'pause' | 'dryRun' | 'evacuation', string>>>;
  /**
   * Readiness drills under way, by burst region (see drill.ts). Kept here, not beside the state,
   * so a decision counts them against the maxes under the very conditional write it commits with.
   */
  readonly drills?: Readonly<Record<string, DrillRun>>;
  /** Tasks being moved back to a better region: started there, not yet drained here (rebalance.ts). */
  readonly rebalance?: RebalanceMove;
  /** When the last move back finished or was given up: the next waits rebalanceIntervalSeconds. */
  readonly lastRebalanceAt?: string;
  readonly updatedAt?: string;
}

/** The longest stop reason a task record keeps: ECS's own are shorter, failure causes may not be. */
export const STOP_REASON_MAX = 160;

export const stopReasonOf = (reason: string): string => clipped(reason, STOP_REASON_MAX);

export function emptyWorkloadState(workload: string): WorkloadState {
  return { workload, version: 0, alerts: {}, applied: {}, pendingLaunches: [], tasks: {} };
}

/**
 * Tasks that exist or are about to, and so count against the bounds: everything not yet stopped.
 * A task whose drain failed may well still run, so it counts until ECS reports it stopped.
 */
export function isLive(task: BurstTask): boolean {
  return task.status !== 'stopped';
}

export interface LiveCount {
  readonly total: number;
  readonly byRegion: ReadonlyMap<string, number>;
  /** The on-demand part of byRegion, which the Spot split tops up to each region's onDemandBase. */
  readonly onDemandByRegion: ReadonlyMap<string, number>;
  /** The readiness drills among them (in total and byRegion, never in onDemandByRegion). */
  readonly drills: number;
}

/**
 * Live tasks plus launches committed but not yet confirmed, per region and in total, and the
 * readiness drills under way: the maxes bound all of them. A drill is not capacity, so it is
 * left out of onDemandByRegion (the Spot split's on-demand base) and out of stayingCount.
 */
export function countLive(state: WorkloadState): LiveCount {
  const memo = derivedOf(state);
  if (memo.live) return memo.live;
  const byRegion = new Map<string, number>();
  const onDemandByRegion = new Map<string, number>();
  const add = (map: Map<string, number>, region: string, n: number) =>
    map.set(region, (map.get(region) ?? 0) + n);
  for (const task of Object.values(state.tasks)) {
    if (!isLive(task)) continue;
    add(byRegion, task.region, 1);
    if (task.capacity !== 'spot') add(onDemandByRegion, task.region, 1);
  }
  for (const launch of state.pendingLaunches) {
    add(byRegion, launch.region, launch.count);
    add(onDemandByRegion, launch.region, launch.count - (launch.spot ?? 0));
  }
  let drills = 0;
  for (const region in state.drills) {
    add(byRegion, region, 1);
    drills++;
  }
  let total = 0;
  for (const n of byRegion.values()) total += n;
  const count = { total, byRegion, onDemandByRegion, drills };
  memo.live = count;
  return count;
}

/**
 * What is derived from the state last asked about: one decision asks for the same counts many
 * times (bounds, placement, the log), and a state is never changed in place, only replaced. One
 * state's worth is kept, since a decision works on one state at a time (a WeakMap per figure cost
 * more than it saved).
 */
const derived: {
  state?: WorkloadState;
  live?: LiveCount;
  staying?: number;
  stayingByRegion?: ReadonlyMap<string, number>;
  firing?: readonly string[];
} = {};

function derivedOf(state: WorkloadState): typeof derived {
  if (derived.state !== state) {
    derived.state = state;
    derived.live = undefined;
    derived.staying = undefined;
    derived.stayingByRegion = undefined;
    derived.firing = undefined;
  }
  return derived;
}

/**
 * A drain that may still be called off: requested or waiting, not forced by a Spot interruption,
 * and not already found past its point of no return.
 */
export const isCancellable = (task: BurstTask): boolean =>
  (task.status === 'drain_requested' || task.status === 'draining') &&
  !task.interruptedAt &&
  !task.cancelRefusedAt;

/** Live tasks on their way out: drains requested, under way or failed (a failed drain may still run). */
export const isLeaving = (task: BurstTask): boolean =>
  task.status === 'drain_requested' || task.status === 'draining' || task.status === 'drain_failed';

/**
 * What the workload keeps once the drains under way finish: live tasks and pending launches minus
 * the leaving ones. Replacement and the floors aim at this, while the maxes bound every live task.
 * Drills are no capacity the workload keeps: they leave by themselves.
 */
export function stayingCount(state: WorkloadState): number {
  const memo = derivedOf(state);
  if (memo.staying !== undefined) return memo.staying;
  let leaving = 0;
  for (const id in state.tasks) if (isLeaving(state.tasks[id] as BurstTask)) leaving++;
  const live = countLive(state);
  const staying = live.total - live.drills - leaving;
  memo.staying = staying;
  return staying;
}

/** stayingCount per region: what each region keeps once its drains finish. */
export function stayingByRegion(state: WorkloadState): ReadonlyMap<string, number> {
  const memo = derivedOf(state);
  if (memo.stayingByRegion) return memo.stayingByRegion;
  const staying = new Map(countLive(state).byRegion);
  for (const id in state.tasks) {
    const task = state.tasks[id] as BurstTask;
    if (isLeaving(task)) staying.set(task.region, (staying.get(task.region) ?? 0) - 1);
  }
  for (const region in state.drills) staying.set(region, (staying.get(region) ?? 0) - 1);
  memo.stayingByRegion = staying;
  return staying;
}

/**
 * The most burst tasks a region may keep: its own maxTasks within the workload's max, and none in
 * a region the workload no longer bursts to (a deploy removed it).
 */
export function regionMaxOf(workload: WorkloadConfig, region: string): number {
  const burstRegion = workload.burstRegions.find((r) => r.region === region);
  return burstRegion ? Math.min(burstRegion.maxTasks ?? workload.maxBurstTasks, workload.maxBurstTasks) : 0;
}

/** Pressure alerts exert: firing and not gone silent. */
export const isPressing = (alert: AlertRecord): boolean => alert.state === 'firing' && !alert.silentSince;

/** The name a storm's summarised alerts go by wherever firing alerts are listed. */
export const overflowKey = (overflow: AlertOverflow): string => `storm:${overflow.alerts}-more-alerts`;

/** The alerts that are pressure now, by key; a storm's summarised alerts as one entry. */
export function firingAlertKeys(state: WorkloadState): readonly string[] {
  const memo = derivedOf(state);
  if (memo.firing) return memo.firing;
  const keys: string[] = [];
  for (const key in state.alerts) if (isPressing(state.alerts[key] as AlertRecord)) keys.push(key);
  keys.sort();
  if (state.alertOverflow) keys.push(overflowKey(state.alertOverflow));
  memo.firing = keys;
  return keys;
}
