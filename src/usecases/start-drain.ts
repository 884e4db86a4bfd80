import { LEDGER_RETENTION_SECONDS } from '../adapters/drain-ledger';
import type { WorkloadConfig } from '../config/schema';
import type { BurstTask, WorkloadState } from '../core/workload-state';
import type { DrainInput } from '../workflow/drain-definition';
import { updateState } from './commit-with-retry';
import { drainIdOf } from './drain-naming';
import type { DecideDeps } from './ports';

/**
 * The longest drain of a Spot-interrupted task: ECS stops it two minutes after the warning, and
 * it must have left its target group (and had its connections drained) well before that.
 */
export const SPOT_DRAIN_SECONDS = 90;

/**
 * Starts the drain workflow for a task whose scale-in was committed. The execution is named after
 * this drain of the task (see drain-naming.ts), so starting it twice starts it once, and a later
 * drain of a task kept after a cancelled one is an execution of its own.
 */
export async function startDrain(
  workload: WorkloadConfig,
  task: BurstTask,
  deps: DecideDeps,
  known?: WorkloadState,
): Promise<WorkloadState | undefined> {
  const input = drainInputOf(workload, task, deps);
  const started = await deps.drains.start(task.region, drainIdOf(workload.name, task), input);
  const recorded = await updateState(
    deps,
    workload.name,
    (state) => {
      const current = state.tasks[task.taskId];
      // Only the drain just started: a task whose drain was called off meanwhile stays as it is.
      if (current?.status !== 'drain_requested' || current.drainRequestedAt !== task.drainRequestedAt)
        return undefined;
      return {
        next: {
          ...state,
          tasks: {
            ...state.tasks,
            [task.taskId]: { ...current, status: 'draining', drainExecution: started.executionArn },
          },
        },
      };
    },
    known ? { known } : {},
  );
  if (started.status === 'started') deps.metrics?.record('DrainsStarted', 1, { region: task.region });
  deps.log.info('drain started', {
    workload: workload.name,
    taskArn: task.taskArn,
    region: task.region,
    execution: started.executionArn,
    drainSeconds: input.drainSeconds,
    alreadyStarted: started.status === 'already_started',
  });
  return recorded;
}

/**
 * The drain workflow's input for one task: out of its target group first when it is in one, then
 * the wait, then StopTask. Readiness drills drain their task with the same input.
 */
export function drainInputOf(
  workload: WorkloadConfig,
  task: Pick<
    BurstTask,
    | 'region'
    | 'taskArn'
    | 'cluster'
    | 'decisionId'
    | 'privateIp'
    | 'registeredTarget'
    | 'compensating'
    | 'interruptedAt'
  >,
  deps: Pick<DecideDeps, 'drainLedgerTable' | 'clock'>,
): DrainInput {
  const burstRegion = workload.burstRegions.find((r) => r.region === task.region);
  const target =
    !task.compensating && burstRegion?.targetGroupArn && task.privateIp && task.registeredTarget
      ? {
          targetGroupArn: burstRegion.targetGroupArn,
          targets: [{ Id: task.privateIp, Port: burstRegion.taskDefinition.containerPort }],
        }
      : null;
  // Out of its target group, a task serves until ELB has drained its connections: the drain waits
  // for the longer of the two (a Spot task has no time for either beyond ECS's two minutes).
  const serving = target
    ? Math.max(workload.drainSeconds, burstRegion?.deregistrationDelaySeconds ?? 0)
    : workload.drainSeconds;
  return {
    workload: workload.name,
    taskArn: task.taskArn,
    cluster: task.cluster,
    drainSeconds: task.compensating
      ? 0
      : task.interruptedAt
        ? Math.min(serving, SPOT_DRAIN_SECONDS)
        : serving,
    ledgerTable: deps.drainLedgerTable,
    ledgerExpiresAt: String(Math.floor(deps.clock().getTime() / 1000) + LEDGER_RETENTION_SECONDS),
    decisionId: task.decisionId,
    target,
  };
}
