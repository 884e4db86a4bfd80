import type { ObservedTask } from '../adapters/burst-compute';
import type { WorkloadConfig } from '../config/schema';
import {
  DRILL_DRAIN_GRACE_SECONDS,
  DRILL_START_GRACE_SECONDS,
  DRILL_TAG,
  type DrillObservation,
  type DrillRun,
  liveDrills,
  nextDrillStep,
} from '../core/drill';
import type { WorkloadState } from '../core/workload-state';
import { clusterKey, type Inventory } from './adopt-orphans';
import { drainIdOf } from './drain-naming';
import { finishDrill, reportDrill, saveDrill } from './drill-steps';
import type { ReconcileDeps } from './ports';
import { drainInputOf } from './start-drain';

const elapsedSeconds = (since: string, now: Date) => (now.getTime() - Date.parse(since)) / 1000;

/**
 * Moves each readiness drill of the workload on by what ECS, its target group and its drain say:
 * RUNNING seen → registered and healthy when there is a target group → drained through the drain
 * workflow → result recorded. `focus` (a task state change) moves only the drill of that task.
 * With an inventory (the scheduled run), drill tasks no drill owns any more are drained.
 */
export async function advanceDrills(
  workload: WorkloadConfig,
  deps: ReconcileDeps,
  state: WorkloadState,
  options: { readonly focus?: string; readonly inventory?: Inventory } = {},
): Promise<void> {
  if (!deps.drillResults) return;
  for (const run of liveDrills(state)) {
    if (options.focus !== undefined && run.taskArn !== options.focus) continue;
    try {
      await advanceDrill(workload, run, deps);
    } catch (error) {
      // One region's drill must not stop the others, nor the reconcile of live capacity.
      deps.log.error('drill not advanced', {
        workload: workload.name,
        drillId: run.drillId,
        region: run.region,
        error: (error as Error).message,
      });
    }
  }
  if (options.inventory) await drainAbandonedDrillTasks(workload, deps, state, options.inventory);
}

async function advanceDrill(workload: WorkloadConfig, run: DrillRun, deps: ReconcileDeps): Promise<void> {
  const now = deps.clock();
  if (!run.taskArn) {
    if (elapsedSeconds(run.requestedAt, now) < DRILL_START_GRACE_SECONDS) return;
    await findLostStart(workload, run, deps);
    return;
  }
  const burstRegion = workload.burstRegions.find((r) => r.region === run.region);
  if (run.phase === 'draining') {
    await followDrain(workload, run, deps);
    return;
  }
  const [seen] = await deps.compute.describe(run.region, run.cluster, [run.taskArn]);
  const targetGroupArn = burstRegion?.targetGroupArn;
  const observation: DrillObservation = {
    ...(seen ? { ecsStatus: seen.lastStatus } : {}),
    ...(seen?.stoppedReason ? { stoppedReason: seen.stoppedReason } : {}),
    ...(seen?.privateIp ? { privateIp: seen.privateIp } : {}),
    ...(targetGroupArn && run.registeredTarget && run.privateIp && deps.targets.health && burstRegion
      ? {
          targetHealth: await deps.targets.health(run.region, targetGroupArn, {
            id: run.privateIp,
            port: burstRegion.taskDefinition.containerPort,
          }),
        }
      : {}),
  };
  const step = nextDrillStep(run, observation, { targetGroup: !!targetGroupArn }, now);
  switch (step.kind) {
    case 'wait':
      return;
    case 'update':
      await saveDrill(workload, step.run, deps);
      return;
    case 'register':
      if (targetGroupArn && step.run.privateIp && burstRegion) {
        await deps.targets.register(run.region, targetGroupArn, [
          { id: step.run.privateIp, port: burstRegion.taskDefinition.containerPort },
        ]);
        await saveDrill(workload, { ...step.run, registeredTarget: true }, deps);
      }
      return;
    case 'drain': {
      // Recorded before the execution starts: a crash in between restarts the same-named drain.
      const draining: DrillRun = { ...step.run, phase: 'draining', drainRequestedAt: now.toISOString() };
      await saveDrill(workload, draining, deps);
      await startDrillDrain(workload, draining, deps);
      return;
    }
    case 'finish':
      await finishDrill(workload, run, step, deps);
      return;
  }
}

/** The name of a drill's drain execution: the drain naming of burst tasks, so the ledger matches. */
const drillDrainId = (workload: string, run: DrillRun) =>
  drainIdOf(workload, {
    taskArn: run.taskArn as string,
    ...(run.drainRequestedAt ? { drainRequestedAt: run.drainRequestedAt } : {}),
  });

async function startDrillDrain(workload: WorkloadConfig, run: DrillRun, deps: ReconcileDeps): Promise<void> {
  const input = drainInputOf(
    workload,
    {
      region: run.region,
      taskArn: run.taskArn as string,
      cluster: run.cluster,
      decisionId: run.drillId,
      ...(run.privateIp ? { privateIp: run.privateIp } : {}),
      ...(run.registeredTarget ? { registeredTarget: true } : {}),
      ...(run.compensating ? { compensating: true } : {}),
    },
    deps,
  );
  const started = await deps.drains.start(run.region, drillDrainId(workload.name, run), input);
  await saveDrill(workload, { ...run, drainExecution: started.executionArn }, deps);
  deps.log.info('drill drain started', {
    workload: workload.name,
    drillId: run.drillId,
    region: run.region,
    execution: started.executionArn,
    ...(run.error ? { error: run.error } : {}),
  });
}

/** A drill being drained: its ledger row says when it is done; a drain that ended silently fails it. */
async function followDrain(workload: WorkloadConfig, run: DrillRun, deps: ReconcileDeps): Promise<void> {
  if (!run.drainExecution) {
    await startDrillDrain(workload, run, deps);
    return;
  }
  const taskArn = run.taskArn as string;
  const row = (await deps.ledger.read(run.region, [taskArn])).get(taskArn);
  const own = row && row.drainId === drillDrainId(workload.name, run) ? row : undefined;
  const step = nextDrillStep(
    run,
    own ? { ledger: { status: own.status, ...(own.failure ? { failure: own.failure } : {}) } } : {},
    { targetGroup: false },
    deps.clock(),
  );
  if (step.kind === 'finish') {
    await finishDrill(workload, run, step, deps);
    return;
  }
  if (step.kind === 'redrain') {
    await redrain(workload, step.run, deps);
    return;
  }
  const since = run.drainRequestedAt ?? run.requestedAt;
  if (elapsedSeconds(since, deps.clock()) < workload.drainSeconds + DRILL_DRAIN_GRACE_SECONDS) return;
  const status = await deps.drains.status(run.region, run.drainExecution);
  if (status === 'RUNNING') return;
  await redrain(
    workload,
    { ...run, error: run.error ?? `drain execution ${status} without recording an outcome` },
    deps,
  );
}

/**
 * A drill whose drain failed: reported failed now (once), and its task drained again at once
 * through the workflow. It leaves the state only when its task is known stopped, so it keeps its
 * place under the maxes while it may still run.
 */
async function redrain(workload: WorkloadConfig, run: DrillRun, deps: ReconcileDeps): Promise<void> {
  if (!run.reported) await reportDrill(workload, run, { drained: false }, deps);
  const again: DrillRun = {
    ...run,
    reported: true,
    compensating: true,
    phase: 'draining',
    drainRequestedAt: deps.clock().toISOString(),
  };
  const { drainExecution: _previous, ...fresh } = again;
  await saveDrill(workload, fresh, deps);
  await startDrillDrain(workload, fresh, deps);
}

/**
 * A drill recorded as starting whose RunTask never answered (the invocation stopped): its task, if
 * RunTask did start one, carries the drill's tag. Found, the drill goes on; not found, it failed.
 */
async function findLostStart(workload: WorkloadConfig, run: DrillRun, deps: ReconcileDeps): Promise<void> {
  let found: ObservedTask | undefined;
  try {
    // Running first: a drill task found there needs no listing of the stopped ones.
    for (const status of ['RUNNING', 'STOPPED'] as const) {
      const tasks = await deps.compute.listStartedBySpillway(run.region, run.cluster, status);
      found = tasks.find((t) => t.tags?.[DRILL_TAG] === run.drillId);
      if (found) break;
    }
  } catch (error) {
    await finishDrill(workload, run, { drained: false, error: (error as Error).message }, deps);
    return;
  }
  if (!found) {
    await finishDrill(
      workload,
      run,
      { drained: false, error: 'not started: the start was interrupted before RunTask answered' },
      deps,
    );
    return;
  }
  await saveDrill(
    workload,
    { ...run, phase: 'started', taskArn: found.taskArn, ecsStatus: found.lastStatus },
    deps,
  );
}

/**
 * Drill tasks of this workload that no drill in the state owns (left by a drill that was given up
 * while its RunTask still started something): drained at once, through the workflow, never adopted.
 */
async function drainAbandonedDrillTasks(
  workload: WorkloadConfig,
  deps: ReconcileDeps,
  state: WorkloadState,
  inventory: Inventory,
): Promise<void> {
  const owned = new Set(liveDrills(state).map((run) => run.drillId));
  const known = new Set(liveDrills(state).map((run) => run.taskArn));
  for (const burstRegion of workload.burstRegions) {
    const tasks = inventory.get(clusterKey(burstRegion.region, burstRegion.cluster)) ?? [];
    for (const task of tasks) {
      const drillId = task.tags?.[DRILL_TAG];
      if (!drillId || task.tags?.['spillway:workload'] !== workload.name) continue;
      if (task.tags?.['spillway:environment'] !== deps.config.environment) continue;
      if (owned.has(drillId) || known.has(task.taskArn)) continue;
      const input = drainInputOf(
        { ...workload, drainSeconds: 0 },
        {
          region: burstRegion.region,
          taskArn: task.taskArn,
          cluster: burstRegion.cluster,
          decisionId: drillId,
        },
        deps,
      );
      const started = await deps.drains.start(
        burstRegion.region,
        drainIdOf(workload.name, { taskArn: task.taskArn }),
        input,
      );
      if (started.status === 'started')
        deps.log.warn('abandoned drill task drained', {
          workload: workload.name,
          drillId,
          taskArn: task.taskArn,
          region: burstRegion.region,
        });
    }
  }
}
