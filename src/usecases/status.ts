import type { BurstCompute, ObservedTask } from '../adapters/burst-compute';
import type { DrainLedger, LedgerEntry } from '../adapters/drain-ledger';
import type { DrillResults } from '../adapters/drill-results';
import type { StateStore } from '../adapters/state-store';
import type { SpillwayConfig, WorkloadConfig } from '../config/schema';
import { burstCostPerHour, roundCost, taskHourCost } from '../core/cost';
import type { Capacity, Decision } from '../core/decision';
import type { DrillResult, DrillRun } from '../core/drill';
import { describeHealth, isOpen, type RegionHealth, type RegionHealthMap } from '../core/region-health';
import type { SiteRecord } from '../core/site-health';
import {
  type BurstTask,
  countLive,
  emptyWorkloadState,
  firingAlertKeys,
  isLeaving,
  isLive,
  isPressing,
  type WorkloadState,
} from '../core/workload-state';
import { drainIdOf } from './drain-naming';
import { type SiteStatus, siteStatuses } from './site-status';

/**
 * Where a task's drain is in the drain workflow: asked for (the execution has not marked it yet),
 * draining (deregistered, serving out drainSeconds), stopping (past the point of no return:
 * StopTask, then waiting for STOPPED), stopped; or being called off, called off, failed.
 */
export type DrainStep =
  | 'requested'
  | 'draining'
  | 'stopping'
  | 'stopped'
  | 'cancelling'
  | 'cancelled'
  | 'failed';

/**
 * What `spillway status --json` prints and `GET /status` serves. The field names are a contract
 * (docs/operations.md lists them): add fields, never rename or drop one.
 */
export interface TaskStatus {
  readonly taskArn: string;
  readonly status: string;
  /** What ECS reports now; the last recorded status when ECS could not be asked. */
  readonly ecsStatus: string;
  readonly capacity: Capacity;
  readonly startedAt: string;
  /** The drain workflow's execution, once a drain of this task started. */
  readonly drainExecution: string | null;
  readonly drainRequestedAt: string | null;
  readonly stopReason: string | null;
  /** The drain's step, from the region's drain ledger when it was read; null for a task never drained. */
  readonly drainStep: DrainStep | null;
}

/** One alert that is pressure now, with what its sender said about it. */
export interface FiringAlert {
  readonly key: string;
  readonly source: string;
  readonly severity: string;
  /** When the sender observed it firing. */
  readonly since: string;
  /** Kept for the first alerts of a workload only (see MAX_SUMMARISED_ALERTS); null otherwise. */
  readonly summary: string | null;
  /** What people call the alert, kept with its summary; null otherwise. */
  readonly name: string | null;
}

/** One burst region of one workload: live tasks split by capacity, and what is in flight. */
export interface RegionBurst {
  readonly region: string;
  readonly onDemand: number;
  readonly spot: number;
  /** Tasks decided but not yet confirmed by RunTask. */
  readonly pending: number;
  /** Live tasks on their way out (the policy's "leaving"): drain requested, under way, or failed. */
  readonly draining: number;
  readonly maxTasks: number;
  readonly costPerHour: number;
  readonly breakerOpen: boolean;
  /** Why ECS could not be asked about this region's tasks; the recorded statuses are shown instead. */
  readonly ecsError: string | null;
}

/** A pause, dry-run or evacuation as recorded; `expired` once its `until` has passed. */
export interface ControlStatus {
  readonly since: string;
  readonly reason: string;
  readonly requestedBy: string | null;
  readonly commandId: string;
  readonly until: string | null;
  readonly expired: boolean;
}

export interface EvacuationStatus extends ControlStatus {
  readonly window: string | null;
}

export interface WorkloadStatus {
  readonly workload: string;
  readonly homeSite: string;
  readonly version: number;
  readonly firingAlerts: readonly string[];
  /** The same alerts with their source, severity and summary; a storm's summarised ones are not listed. */
  readonly alerts: readonly FiringAlert[];
  /** Everything that counts against maxBurstTasks: live tasks and pending launches. */
  readonly liveTasks: number;
  readonly maxBurstTasks: number;
  /** Tasks decided but not yet started (the sum over the pending launches). */
  readonly pendingLaunches: number;
  readonly drainingTasks: number;
  readonly lastScaleOutAt: string | null;
  readonly lastScaleInAt: string | null;
  readonly controls: {
    readonly paused: ControlStatus | null;
    readonly dryRun: ControlStatus | null;
    readonly evacuation: EvacuationStatus | null;
  };
  readonly cost: {
    /** Estimated, from the configured prices, of live tasks and pending launches. */
    readonly perHour: number;
    /** The workload's spend guard (maxBurstCostPerHour); null when it has none. */
    readonly maxPerHour: number | null;
    /** False when a burst region has no price: unpriced tasks count as 0, so the cost is a floor. */
    readonly priced: boolean;
  };
  readonly burstRegions: readonly RegionBurst[];
  /** Every recorded task per burst region, stopped ones included. */
  readonly regions: Readonly<Record<string, readonly TaskStatus[]>>;
  /** Per burst region ever drilled: the drill under way, and the last result (docs/drills.md). */
  readonly drills?: readonly DrillStatus[];
  /**
   * Why this workload's status is incomplete (its state item could not be read): the rest of the
   * status is still served, and the workload shows as recorded in an empty state.
   */
  readonly problem?: string;
}

/** One burst region's readiness drills: the one under way, if any, and the last one's result. */
export interface DrillStatus {
  readonly region: string;
  readonly underWay: {
    readonly drillId: string;
    readonly phase: DrillRun['phase'];
    readonly requestedAt: string;
  } | null;
  readonly last: DrillResult | null;
}

/** The launch circuit breaker of one burst region, shared by every workload. */
export interface RegionBreaker {
  readonly region: string;
  readonly state: 'healthy' | 'failing' | 'open';
  readonly consecutiveFailures: number;
  readonly openUntil: string | null;
  readonly lastFailure: string | null;
  readonly lastFailureAt: string | null;
  readonly description: string;
}

export interface StatusReport {
  readonly environment: string;
  readonly at: string;
  readonly workloads: readonly WorkloadStatus[];
  readonly totals: {
    readonly liveTasks: number;
    readonly onDemand: number;
    readonly spot: number;
    readonly pendingLaunches: number;
    readonly drainingTasks: number;
    readonly firingAlerts: number;
    readonly costPerHour: number;
    /** The environment's spend guard (spendGuard.maxCostPerHour); null when it has none. */
    readonly maxCostPerHour: number | null;
    readonly priced: boolean;
    /**
     * Workloads whose state item could not be read: the totals leave them out, so they are a floor
     * (the spend guard itself counts such a workload at its most).
     */
    readonly unreadable: readonly string[];
  };
  /** Every burst region of the config in order of first mention; null when the store cannot tell. */
  readonly regionHealth: readonly RegionBreaker[] | null;
  /** The sites watched for loss, with their state and last heartbeat; null when the store cannot tell. */
  readonly sites?: readonly SiteStatus[] | null;
}

export interface StatusDeps {
  readonly config: SpillwayConfig;
  readonly store: Pick<StateStore, 'load'>;
  readonly compute: Pick<BurstCompute, 'describe'>;
  /** The launch breakers' records; optional so a store without them still serves a status. */
  readonly loadRegionHealth?: () => Promise<RegionHealthMap>;
  /**
   * The drain ledgers, for the step each drain under way is at (the page shows it). Without them,
   * or when one cannot be read, the step is told from the recorded status, which has no `stopping`.
   */
  readonly ledger?: Pick<DrainLedger, 'read'>;
  /** The watched sites' records; optional so a store without them still serves a status. */
  readonly loadSites?: () => Promise<readonly SiteRecord[]>;
  /** The last readiness drill results; optional so a store without them still serves a status. */
  readonly drillResults?: Pick<DrillResults, 'load'>;
  readonly now?: () => Date;
}

/** Ledger rows by task ARN, for the tasks whose region's ledger was read: undefined when it has none. */
type DrainRows = ReadonlyMap<string, LedgerEntry | undefined>;

const DRAIN_UNDER_WAY: ReadonlySet<BurstTask['status']> = new Set([
  'drain_requested',
  'draining',
  'cancel_requested',
]);

const STEP_OF_ROW: Readonly<Record<LedgerEntry['status'], DrainStep>> = {
  draining: 'draining',
  stopping: 'stopping',
  stopped: 'stopped',
  cancelled: 'cancelled',
  drain_failed: 'failed',
};

function drainStep(workload: string, task: BurstTask, rows: DrainRows): DrainStep | null {
  if (!task.drainRequestedAt && !task.drainExecution) return null;
  if (task.status === 'stopped') return 'stopped';
  if (task.status === 'drain_failed') return 'failed';
  if (!DRAIN_UNDER_WAY.has(task.status)) return null;
  const calledOff = task.status === 'cancel_requested';
  if (!rows.has(task.taskArn))
    return calledOff ? 'cancelling' : task.status === 'draining' ? 'draining' : 'requested';
  // A row may be an earlier drain's (one called off before): it says nothing about this one.
  const row = rows.get(task.taskArn);
  const own = row && (!row.drainId || row.drainId === drainIdOf(workload, task)) ? row : undefined;
  if (!own) return calledOff ? 'cancelling' : 'requested';
  if (calledOff && own.status === 'draining') return 'cancelling';
  return STEP_OF_ROW[own.status];
}

function control(
  record: { since: string; reason: string; commandId: string; requestedBy?: string; until?: string },
  now: Date,
): ControlStatus {
  return {
    since: record.since,
    reason: record.reason,
    requestedBy: record.requestedBy ?? null,
    commandId: record.commandId,
    until: record.until ?? null,
    expired: record.until !== undefined && Date.parse(record.until) <= now.getTime(),
  };
}

/**
 * One workload's row, from its recorded state and what ECS reported per region (a region missing
 * from `observed` was not asked; one mapped to an Error could not be).
 */
export function workloadStatus(
  workload: WorkloadConfig,
  state: WorkloadState,
  observed: ReadonlyMap<string, readonly ObservedTask[] | Error>,
  now: Date,
  health: RegionHealthMap = {},
  drainRows: DrainRows = new Map(),
): WorkloadStatus {
  const regions: Record<string, TaskStatus[]> = {};
  const burstRegions: RegionBurst[] = [];
  for (const burstRegion of workload.burstRegions) {
    const region = burstRegion.region;
    const answer = observed.get(region);
    const seen = Array.isArray(answer) ? answer : [];
    const tasks = Object.values(state.tasks)
      .filter((t) => t.region === region)
      .sort((a, b) => a.startedAt.localeCompare(b.startedAt) || a.taskId.localeCompare(b.taskId));
    regions[region] = tasks.map((task) => ({
      taskArn: task.taskArn,
      status: task.status,
      ecsStatus: seen.find((o) => o.taskArn === task.taskArn)?.lastStatus ?? task.ecsStatus ?? 'UNKNOWN',
      capacity: task.capacity ?? 'on_demand',
      startedAt: task.startedAt,
      drainExecution: task.drainExecution ?? null,
      drainRequestedAt: task.drainRequestedAt ?? null,
      stopReason: task.stopReason ?? null,
      drainStep: drainStep(workload.name, task, drainRows),
    }));
    const live = tasks.filter(isLive);
    const spot = live.filter((t) => t.capacity === 'spot').length;
    const launches = state.pendingLaunches.filter((l) => l.region === region);
    const pendingSpot = launches.reduce((sum, l) => sum + (l.spot ?? 0), 0);
    const pending = launches.reduce((sum, l) => sum + l.count, 0);
    const cost =
      (live.length - spot + pending - pendingSpot) * taskHourCost(burstRegion, 'on_demand') +
      (spot + pendingSpot) * taskHourCost(burstRegion, 'spot');
    burstRegions.push({
      region,
      onDemand: live.length - spot,
      spot,
      pending,
      draining: live.filter(isLeaving).length,
      maxTasks: burstRegion.maxTasks ?? workload.maxBurstTasks,
      costPerHour: roundCost(cost),
      breakerOpen: isOpen(health[region], now),
      ecsError: answer instanceof Error ? answer.message : null,
    });
  }
  return {
    workload: workload.name,
    homeSite: workload.homeSite,
    version: state.version,
    firingAlerts: firingAlertKeys(state),
    alerts: Object.entries(state.alerts)
      .filter(([, alert]) => isPressing(alert))
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, alert]) => ({
        key,
        source: alert.source,
        severity: alert.severity,
        since: alert.observedAt,
        summary: alert.summary ?? null,
        name: alert.name ?? null,
      })),
    liveTasks: countLive(state).total,
    maxBurstTasks: workload.maxBurstTasks,
    pendingLaunches: burstRegions.reduce((sum, r) => sum + r.pending, 0),
    drainingTasks: burstRegions.reduce((sum, r) => sum + r.draining, 0),
    lastScaleOutAt: state.lastScaleOutAt ?? null,
    lastScaleInAt: state.lastScaleInAt ?? null,
    controls: {
      paused: state.paused ? control(state.paused, now) : null,
      dryRun: state.dryRun ? control(state.dryRun, now) : null,
      evacuation: state.evacuation
        ? { ...control(state.evacuation, now), window: state.evacuation.window ?? null }
        : null,
    },
    cost: {
      perHour: burstCostPerHour(workload, state),
      maxPerHour: workload.maxBurstCostPerHour ?? null,
      priced: workload.burstRegions.every((r) => r.costPerTaskHour !== undefined),
    },
    burstRegions,
    regions,
  };
}

export function regionBreaker(region: string, health: RegionHealth | undefined, now: Date): RegionBreaker {
  const open = isOpen(health, now);
  return {
    region,
    state: open ? 'open' : (health?.consecutiveFailures ?? 0) > 0 ? 'failing' : 'healthy',
    consecutiveFailures: health?.consecutiveFailures ?? 0,
    openUntil: open ? (health?.openUntil ?? null) : null,
    lastFailure: health?.lastFailure ?? null,
    lastFailureAt: health?.lastFailureAt ?? null,
    description: describeHealth(health, now),
  };
}

/** Sums the rows and lists the breakers: the whole report, pure. */
export function summarise(
  config: SpillwayConfig,
  workloads: readonly WorkloadStatus[],
  health: RegionHealthMap | undefined,
  now: Date,
): StatusReport {
  const sum = (pick: (w: WorkloadStatus) => number) => workloads.reduce((total, w) => total + pick(w), 0);
  const regionsOf = [...new Set(config.workloads.flatMap((w) => w.burstRegions.map((r) => r.region)))];
  return {
    environment: config.environment,
    at: now.toISOString(),
    workloads,
    totals: {
      liveTasks: sum((w) => w.liveTasks),
      onDemand: sum((w) => w.burstRegions.reduce((n, r) => n + r.onDemand, 0)),
      spot: sum((w) => w.burstRegions.reduce((n, r) => n + r.spot, 0)),
      pendingLaunches: sum((w) => w.pendingLaunches),
      drainingTasks: sum((w) => w.drainingTasks),
      firingAlerts: sum((w) => w.firingAlerts.length),
      costPerHour: roundCost(sum((w) => w.cost.perHour)),
      maxCostPerHour: config.spendGuard?.maxCostPerHour ?? null,
      priced: workloads.every((w) => w.cost.priced),
      unreadable: workloads.filter((w) => w.problem !== undefined).map((w) => w.workload),
    },
    regionHealth: health ? regionsOf.map((region) => regionBreaker(region, health[region], now)) : null,
  };
}

/** Asks ECS about the live tasks of each region; a region that cannot be asked is reported, not fatal. */
async function observe(
  workload: WorkloadConfig,
  state: WorkloadState,
  compute: StatusDeps['compute'],
): Promise<Map<string, readonly ObservedTask[] | Error>> {
  const observed = new Map<string, readonly ObservedTask[] | Error>();
  for (const burstRegion of workload.burstRegions) {
    const arns = Object.values(state.tasks)
      .filter((t) => t.region === burstRegion.region && isLive(t))
      .map((t) => t.taskArn);
    if (arns.length === 0) continue;
    // During a regional incident status is needed most: one region's ECS failing must not hide the rest.
    observed.set(
      burstRegion.region,
      await compute
        .describe(burstRegion.region, burstRegion.cluster, arns)
        .catch((error: unknown) => (error instanceof Error ? error : new Error(String(error)))),
    );
  }
  return observed;
}

/**
 * The drain ledger rows of the drains under way, one read per region that has any: none at all
 * when nothing drains. A ledger that cannot be read leaves its region's steps to the fallback.
 */
async function readDrainRows(
  workload: WorkloadConfig,
  state: WorkloadState,
  ledger: StatusDeps['ledger'],
): Promise<DrainRows> {
  const rows = new Map<string, LedgerEntry | undefined>();
  if (!ledger) return rows;
  for (const region of new Set(workload.burstRegions.map((r) => r.region))) {
    const arns = Object.values(state.tasks)
      .filter((t) => t.region === region && DRAIN_UNDER_WAY.has(t.status))
      .map((t) => t.taskArn)
      .sort();
    if (arns.length === 0) continue;
    const read = await ledger.read(region, arns).catch(() => undefined);
    if (read) for (const arn of arns) rows.set(arn, read.get(arn));
  }
  return rows;
}

/** The drills of each burst region of the workload that has one under way or a result. */
export function drillStatuses(
  workload: WorkloadConfig,
  state: WorkloadState,
  results: readonly DrillResult[],
): DrillStatus[] {
  return workload.burstRegions.flatMap(({ region }) => {
    const run = state.drills?.[region];
    const last = results.find((r) => r.region === region) ?? null;
    if (!run && !last) return [];
    return [
      {
        region,
        underWay: run ? { drillId: run.drillId, phase: run.phase, requestedAt: run.requestedAt } : null,
        last,
      },
    ];
  });
}

/** Per workload: its recorded state, controls and cost, with what ECS reports about its tasks now. */
export async function workloadStatuses(deps: StatusDeps): Promise<readonly WorkloadStatus[]> {
  return (await statusReport(deps)).workloads;
}

/** The whole status: every workload, totals against the spend guards, and the launch breakers. */
export async function statusReport(deps: StatusDeps): Promise<StatusReport> {
  const now = deps.now?.() ?? new Date();
  const health = deps.loadRegionHealth ? await deps.loadRegionHealth() : undefined;
  const workloads: WorkloadStatus[] = [];
  for (const workload of deps.config.workloads) {
    let state: WorkloadState;
    try {
      state = await deps.store.load(workload.name);
    } catch (error) {
      // One unreadable workload must not hide every other one from an operator during an incident.
      if ((error as { retryable?: unknown } | null)?.retryable !== false) throw error;
      const empty = emptyWorkloadState(workload.name);
      workloads.push({
        ...workloadStatus(workload, empty, new Map(), now, health, new Map()),
        problem: (error as Error).message,
      });
      continue;
    }
    const observed = await observe(workload, state, deps.compute);
    const drainRows = await readDrainRows(workload, state, deps.ledger);
    const drilled = deps.drillResults ? await deps.drillResults.load(workload.name) : [];
    workloads.push({
      ...workloadStatus(workload, state, observed, now, health, drainRows),
      drills: drillStatuses(workload, state, drilled),
    });
  }
  const sites = deps.loadSites ? siteStatuses(deps.config, await deps.loadSites(), now) : null;
  return { ...summarise(deps.config, workloads, health, now), sites };
}

/**
 * The newest decisions of every workload, newest first: the timeline `GET /status` serves the page,
 * from the same log `spillway history` reads one workload of.
 */
export async function recentDecisions(
  config: SpillwayConfig,
  store: Pick<StateStore, 'recentDecisions'>,
  limit: number,
): Promise<readonly Decision[]> {
  const perWorkload = await Promise.all(config.workloads.map((w) => store.recentDecisions(w.name, limit)));
  return perWorkload
    .flat()
    .sort((a, b) => b.at.localeCompare(a.at) || b.id.localeCompare(a.id))
    .slice(0, limit);
}
