import { isSpotInterruptionWarning, isTaskStateChange, parseTaskStateChange } from '../core/ecs-task-event';
import type { ReconcileDeps } from './ports';
import { type ReconcileReport, reconcileAll, reconcileWorkload } from './reconcile';
import { recordSpotInterruption } from './spot-interruption';

/**
 * The reconcile function's one entry: a schedule tick reconciles every workload; an ECS task
 * state change reconciles only the workload whose burst task changed, at once, instead of up to a
 * minute later (orphans are left to the schedule's run). A Fargate Spot interruption warning first marks the task to be drained, so that
 * reconciling starts its drain and its replacement. Events for tasks Spillway did not start are
 * ignored.
 */
export async function reconcileOnEvent(event: unknown, deps: ReconcileDeps): Promise<ReconcileReport[]> {
  if (!isTaskStateChange(event)) return reconcileAll(deps);
  const change = parseTaskStateChange(event);
  if ('error' in change) {
    deps.log.warn('ignored event', { reason: change.error });
    return [];
  }
  if (!change.startedBySpillway) return [];
  const workloads = deps.config.workloads.filter((w) =>
    w.burstRegions.some(
      (r) =>
        r.region === change.region &&
        r.cluster === change.cluster &&
        r.taskDefinition.family === change.family,
    ),
  );
  const interruption = isSpotInterruptionWarning(change);
  deps.log.info('task state change', {
    taskArn: change.taskArn,
    lastStatus: change.lastStatus,
    version: change.version,
    ...(change.stopCode ? { stopCode: change.stopCode } : {}),
    workloads: workloads.map((w) => w.name),
  });
  const reports: ReconcileReport[] = [];
  for (const workload of workloads) {
    if (interruption) await recordSpotInterruption(workload, change, deps);
    reports.push(await reconcileWorkload(workload, deps, 'skip', change.taskArn));
  }
  return reports;
}
