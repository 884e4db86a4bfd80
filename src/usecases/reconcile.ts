import type { ObservedTask } from '../adapters/burst-compute';
import type { LedgerEntry } from '../adapters/drain-ledger';
import type { WorkloadConfig } from '../config/schema';
import { isOpen } from '../core/region-health';
import { type BurstTask, stopReasonOf, type WorkloadState } from '../core/workload-state';
import { adoptOrphans, type Inventory, takeInventory } from './adopt-orphans';
import { advanceDrills } from './advance-drills';
import { applySignals } from './apply-signals';
import { checkSites } from './check-sites';
import { updateState } from './commit-with-retry';
import { drainIdOf } from './drain-naming';
import { drainFailed, retryFailedDrains } from './failed-drains';
import type { ReconcileDeps } from './ports';
import { checkStuckDrains } from './stuck-drains';

export interface ReconcileReport {
  readonly workload: string;
  readonly changedTasks: number;
  readonly action: string;
  readonly reason: string;
}

/**
 * Brings recorded state in line with what ECS and the drain workflows report, then re-evaluates
 * the policy: this is what scales in once a cooldown has passed when no new signal arrives.
 */
export async function reconcileAll(deps: ReconcileDeps): Promise<ReconcileReport[]> {
  const reports: ReconcileReport[] = [];
  // Sites first: a loss found now puts its evacuations on the queue before the workloads are looked at.
  if (deps.sites) await checkSites({ ...deps, sites: deps.sites });
  const inventory = await takeInventory(deps.config.workloads, deps);
  await sampleBreakers(deps);
  for (const workload of deps.config.workloads) {
    try {
      reports.push(await reconcileWorkload(workload, deps, inventory));
    } catch (error) {
      // One workload's fault must not starve the others; the next run tries again.
      deps.log.error('reconcile failed', { workload: workload.name, error: (error as Error).message });
      deps.metrics?.record('ReconcileErrors', 1, { workload: workload.name });
      reports.push({
        workload: workload.name,
        changedTasks: 0,
        action: 'error',
        reason: (error as Error).message,
      });
    }
  }
  return reports;
}

/** Whether each burst region's breaker is open, once a run: an alarm tells "open for long" from a blip. */
async function sampleBreakers(deps: ReconcileDeps): Promise<void> {
  if (!deps.metrics) return;
  const health = await deps.store.loadRegionHealth();
  const regions = new Set(deps.config.workloads.flatMap((w) => w.burstRegions.map((r) => r.region)));
  for (const region of regions)
    deps.metrics.record('BreakerOpen', isOpen(health[region], deps.clock()) ? 1 : 0, { region });
}

/**
 * Reconciles one workload. `inventory: 'skip'` leaves orphan adoption to the scheduled run: a task
 * state change reconciles only what it is about, and a burst of hundreds of them must not list
 * every cluster hundreds of times (ECS reads share one per-account quota).
 */
export async function reconcileWorkload(
  workload: WorkloadConfig,
  deps: ReconcileDeps,
  inventory?: Inventory | 'skip',
  /** The one task a state change is about: only it is asked of ECS (the schedule asks for all). */
  focus?: string,
): Promise<ReconcileReport> {
  const state = await deps.store.load(workload.name);
  const observations = await observe(state, deps, focus);
  let changedTasks = 0;
  let folded: { before: WorkloadState; after: WorkloadState } | undefined;
  // The state just read is the one to fold into: a second read would find the same, or a race
  // the conditional write finds anyway.
  let current = await updateState(
    deps,
    workload.name,
    (latest) => {
      const { next, changed } = foldObservations(latest, observations, deps.clock());
      changedTasks = changed;
      folded = { before: latest, after: next };
      return changed > 0 ? { next } : undefined;
    },
    { justRead: state },
  );
  if (folded && changedTasks > 0) recordDrainOutcomes(folded.before, folded.after, deps);
  // The steps below only look at the state to find work; each change goes through its own
  // conditional write, which reads afresh. So one read serves them unless adoption changed it.
  if (inventory !== 'skip' && (await adoptOrphans(workload, deps, inventory)) > 0)
    current = await deps.store.load(workload.name);
  await checkStuckDrains(workload, deps, current);
  await retryFailedDrains(workload, deps, current);
  await registerTargets(workload, deps, current);
  // Drills before the policy: a drill that ends gives its room under the maxes back to it.
  await advanceDrills(workload, deps, current, {
    ...(focus !== undefined ? { focus } : {}),
    ...(inventory !== 'skip' && inventory ? { inventory } : {}),
  });
  const decision = await applySignals(workload, [], deps);
  return { workload: workload.name, changedTasks, action: decision.action.kind, reason: decision.reason };
}

/** Drains the fold found ended (stopped by their drain, or failed), and tasks lost on their own. */
function recordDrainOutcomes(before: WorkloadState, after: WorkloadState, deps: ReconcileDeps): void {
  for (const [taskId, task] of Object.entries(after.tasks)) {
    const was = before.tasks[taskId];
    if (!was || was.status === task.status) continue;
    const draining = was.status === 'draining' || was.status === 'cancel_requested';
    const fields = { workload: after.workload, taskArn: task.taskArn, region: task.region };
    if (draining && task.status === 'stopped') {
      deps.metrics?.record('DrainsSucceeded', 1, { region: task.region });
      deps.log.info('drain succeeded', fields);
    }
    if (was.status === 'running' && task.status === 'stopped')
      deps.log.warn('burst task stopped on its own', { ...fields, reason: task.stopReason });
    if (task.status === 'drain_failed') {
      deps.metrics?.record('DrainsFailed', 1, { region: task.region });
      deps.log.warn('drain failed', { ...fields, reason: task.stopReason });
    }
  }
}

interface Observations {
  readonly ecs: ReadonlyMap<string, ObservedTask>;
  readonly ledger: ReadonlyMap<string, LedgerEntry>;
}

async function observe(state: WorkloadState, deps: ReconcileDeps, focus?: string): Promise<Observations> {
  const watched = Object.values(state.tasks).filter(
    (t) => t.status !== 'stopped' && (focus === undefined || t.taskArn === focus),
  );
  const ecs = new Map<string, ObservedTask>();
  const ledger = new Map<string, LedgerEntry>();
  const groups = new Map<string, BurstTask[]>();
  for (const task of watched) {
    const key = `${task.region}\u0000${task.cluster}`;
    groups.set(key, [...(groups.get(key) ?? []), task]);
  }
  for (const tasks of groups.values()) {
    const { region, cluster } = tasks[0] as BurstTask;
    const arns = tasks.map((t) => t.taskArn);
    for (const seen of await deps.compute.describe(region, cluster, arns)) ecs.set(seen.taskArn, seen);
    // A drain being called off may already have finished: its row then says so.
    const drained = tasks
      .filter((t) => t.status === 'draining' || t.status === 'cancel_requested')
      .map((t) => t.taskArn);
    if (drained.length > 0)
      for (const [arn, entry] of await deps.ledger.read(region, drained)) ledger.set(arn, entry);
  }
  return { ecs, ledger };
}

/** Pure: the recorded tasks updated with what ECS and the drain ledger say. */
export function foldObservations(
  state: WorkloadState,
  { ecs, ledger }: Observations,
  now: Date,
): { next: WorkloadState; changed: number } {
  const tasks: Record<string, BurstTask> = { ...state.tasks };
  let changed = 0;
  for (const [taskId, task] of Object.entries(state.tasks)) {
    if (task.status === 'stopped') continue;
    let updated: BurstTask = task;
    const seen = ecs.get(task.taskArn);
    if (
      seen &&
      (seen.lastStatus !== task.ecsStatus || (seen.privateIp && seen.privateIp !== task.privateIp))
    ) {
      updated = {
        ...updated,
        ecsStatus: seen.lastStatus,
        ...(seen.privateIp ? { privateIp: seen.privateIp } : {}),
      };
    }
    const entry = ownEntry(state.workload, task, ledger.get(task.taskArn));
    if (entry?.status === 'stopped') {
      updated = { ...updated, status: 'stopped', stoppedAt: entry.stoppedAt ?? now.toISOString() };
    } else if (entry?.status === 'drain_failed') {
      updated = drainFailed(updated, entry.failure ?? 'drain failed', now);
    } else if (
      (task.status === 'running' || task.status === 'drain_failed' || task.status === 'cancel_requested') &&
      seen &&
      (seen.lastStatus === 'STOPPED' || seen.lastStatus === 'MISSING')
    ) {
      // Stopped without a drain: it died or was stopped by hand. It no longer counts as capacity.
      updated = {
        ...updated,
        status: 'stopped',
        stoppedAt: now.toISOString(),
        stopReason: stopReasonOf(seen.stoppedReason || 'stopped outside Spillway'),
      };
    }
    if (updated !== task) {
      tasks[taskId] = updated;
      changed++;
    }
  }
  return { next: changed > 0 ? { ...state, tasks } : state, changed };
}

/**
 * The ledger row, when it speaks for the task's current drain. A row keeps the last drain of a
 * task, so after a cancelled drain it may describe an earlier one (or the tombstone of a drain
 * called off before it started). Rows without a drainId come from a workflow version without
 * drain identities and speak for whichever drain is under way. `draining`, `stopping` and
 * `cancelled` change nothing recorded here: the workflow and the canceller settle those.
 */
function ownEntry(
  workload: string,
  task: BurstTask,
  entry: LedgerEntry | undefined,
): LedgerEntry | undefined {
  if (!entry || (task.status !== 'draining' && task.status !== 'cancel_requested')) return undefined;
  return !entry.drainId || entry.drainId === drainIdOf(workload, task) ? entry : undefined;
}

/** Registers running burst tasks with a known address in their region's target group, once. */
async function registerTargets(
  workload: WorkloadConfig,
  deps: ReconcileDeps,
  known?: WorkloadState,
): Promise<void> {
  const state = known ?? (await deps.store.load(workload.name));
  for (const task of Object.values(state.tasks)) {
    const burstRegion = workload.burstRegions.find((r) => r.region === task.region);
    if (!burstRegion?.targetGroupArn || task.registeredTarget || task.status !== 'running') continue;
    if (task.ecsStatus !== 'RUNNING' || !task.privateIp) continue;
    await deps.targets.register(task.region, burstRegion.targetGroupArn, [
      { id: task.privateIp, port: burstRegion.taskDefinition.containerPort },
    ]);
    await updateState(deps, workload.name, (current) => {
      const recorded = current.tasks[task.taskId];
      if (!recorded || recorded.registeredTarget) return undefined;
      return {
        next: {
          ...current,
          tasks: { ...current.tasks, [task.taskId]: { ...recorded, registeredTarget: true } },
        },
      };
    });
    deps.log.info('burst task registered in its target group', {
      workload: workload.name,
      taskArn: task.taskArn,
      targetGroupArn: burstRegion.targetGroupArn,
    });
  }
}
