import type { WorkloadConfig } from '../config/schema';
import type { OperatorCommand } from '../core/command';
import type { Decision } from '../core/decision';
import {
  DRILL_TAG,
  type DrillReservation,
  type DrillRun,
  drillClientToken,
  refusedDrill,
  reserveDrills,
} from '../core/drill';
import { digest } from '../core/ids';
import { countLive, firingAlertKeys } from '../core/workload-state';
import { burstTaskTags } from './carry-out';
import { updateState } from './commit-with-retry';
import { drillResultsOf, finishDrill, saveDrill } from './drill-steps';
import type { DecideDeps } from './ports';

/**
 * Carries out a `drill` command: reserves one drill task per burst region where the maxes leave
 * room (under the workload's conditional write, so a scale-out at the same moment cannot push the
 * workload over its max), records the refusals, and starts the reserved tasks. A start that fails
 * (no cluster, RunTask failures[], access denied) is that region's result, and nothing else is
 * touched: no breaker, no fallback, no other task. The reconciler takes each started drill on.
 */
export async function startDrill(
  workload: WorkloadConfig,
  command: OperatorCommand,
  deps: DecideDeps,
): Promise<DrillReservation> {
  const results = drillResultsOf(deps);
  let reservation: DrillReservation | undefined;
  await updateState(deps, workload.name, (state) => {
    const now = deps.clock();
    reservation = reserveDrills(
      workload,
      state,
      { drillId: command.id, ...(command.requestedBy ? { requestedBy: command.requestedBy } : {}) },
      now,
    );
    if (!reservation.next) return undefined;
    return { next: reservation.next, decision: drillDecision(workload, command, reservation, state, now) };
  });
  if (!reservation) throw new Error('unreachable: updateState always runs the change at least once');
  if (reservation.duplicate) {
    deps.log.info('drill already applied', { workload: workload.name, drillId: command.id });
    return reservation;
  }
  for (const { region, reason } of reservation.refused) {
    await results.record(refusedDrill(workload.name, command.id, region, reason, deps.clock()));
    deps.log.warn('drill refused', { workload: workload.name, drillId: command.id, region, reason });
  }
  for (const run of reservation.reserved) await launchDrillTask(workload, run, deps);
  return reservation;
}

/** RunTask for one drill: one on-demand task, tagged as a drill, with a token derived from it. */
async function launchDrillTask(workload: WorkloadConfig, run: DrillRun, deps: DecideDeps): Promise<void> {
  const burstRegion = workload.burstRegions.find((r) => r.region === run.region);
  if (!burstRegion) {
    await finishDrill(workload, run, { drained: false, error: `${run.region} is no burst region` }, deps);
    return;
  }
  let failure: string | undefined;
  try {
    await deps.pacer.acquire(run.region, 1);
    const launched = await deps.compute.runBurstTasks({
      burstRegion,
      count: 1,
      capacity: 'on_demand',
      clientToken: drillClientToken(run.drillId, run.region),
      tags: { ...burstTaskTags(deps.config.environment, workload, run.drillId), [DRILL_TAG]: run.drillId },
    });
    const task = launched.tasks[0];
    if (task) {
      await saveDrill(
        workload,
        { ...run, phase: 'started', taskArn: task.taskArn, ecsStatus: task.lastStatus },
        deps,
      );
      deps.log.info('drill task started', {
        workload: workload.name,
        drillId: run.drillId,
        region: run.region,
        taskArn: task.taskArn,
      });
      return;
    }
    failure = `RunTask started nothing: ${
      launched.failures.map((f) => `${f.reason}${f.detail ? ` (${f.detail})` : ''}`).join('; ') ||
      'no reason given'
    }`;
  } catch (error) {
    failure = (error as Error).message;
  }
  await finishDrill(workload, run, { drained: false, error: failure }, deps);
}

/** The decision log line of a drill: which regions it starts in, and why it refused the others. */
function drillDecision(
  workload: WorkloadConfig,
  command: OperatorCommand,
  reservation: DrillReservation,
  state: Parameters<typeof countLive>[0],
  now: Date,
): Decision {
  const by = `readiness drill ${command.id}${command.requestedBy ? ` by ${command.requestedBy}` : ''} ("${command.reason}")`;
  const parts = [
    reservation.reserved.length > 0
      ? `starting 1 drill task in ${reservation.reserved.map((r) => r.region).join(', ')}`
      : 'starting nothing',
    ...reservation.refused.map((r) => `refused in ${r.region}: ${r.reason}`),
  ];
  return {
    id: `d-${digest([workload.name, String(state.version), 'drill', command.id])}`,
    workload: workload.name,
    at: now.toISOString(),
    action: { kind: 'hold' },
    reason: `${by}: ${parts.join('; ')} (drill tasks count against the maxes, never as capacity)`,
    signals: [],
    commands: [{ id: command.id, action: command.action, outcome: 'applied' }],
    liveTasks: countLive(state).total,
    firingAlerts: firingAlertKeys(state),
    tick: false,
  };
}
