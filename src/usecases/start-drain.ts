import type { WorkloadConfig } from '../config/schema';
import { drainExecutionName } from '../core/ids';
import type { BurstTask } from '../core/workload-state';
import type { DrainInput } from '../workflow/drain-definition';
import { updateState } from './commit-with-retry';
import type { DecideDeps } from './ports';

/** Drain ledger rows outlive the drain by this long, for audits. */
const LEDGER_RETENTION_SECONDS = 30 * 86_400;

/**
 * Starts the drain workflow for a task whose scale-in was committed; the execution is named after
 * the task, so starting it twice starts it once.
 */
export async function startDrain(workload: WorkloadConfig, task: BurstTask, deps: DecideDeps): Promise<void> {
  const burstRegion = workload.burstRegions.find((r) => r.region === task.region);
  const input: DrainInput = {
    workload: workload.name,
    taskArn: task.taskArn,
    cluster: task.cluster,
    drainSeconds: workload.drainSeconds,
    ledgerTable: deps.drainLedgerTable,
    ledgerExpiresAt: String(Math.floor(deps.clock().getTime() / 1000) + LEDGER_RETENTION_SECONDS),
    decisionId: task.decisionId,
    target:
      burstRegion?.targetGroupArn && task.privateIp && task.registeredTarget
        ? {
            targetGroupArn: burstRegion.targetGroupArn,
            targets: [{ Id: task.privateIp, Port: burstRegion.taskDefinition.containerPort }],
          }
        : null,
  };
  const started = await deps.drains.start(
    task.region,
    drainExecutionName(workload.name, task.taskArn),
    input,
  );
  await updateState(deps, workload.name, (state) => {
    const current = state.tasks[task.taskId];
    if (current?.status !== 'drain_requested') return undefined;
    return {
      next: {
        ...state,
        tasks: {
          ...state.tasks,
          [task.taskId]: { ...current, status: 'draining', drainExecution: started.executionArn },
        },
      },
    };
  });
  deps.log.info('drain started', {
    workload: workload.name,
    taskArn: task.taskArn,
    region: task.region,
    execution: started.executionArn,
    alreadyStarted: started.status === 'already_started',
  });
}
