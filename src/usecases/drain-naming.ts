import { digest, drainExecutionName, taskIdOf } from '../core/ids';
import type { BurstTask } from '../core/workload-state';

/** Step Functions execution names: at most 80 characters of [A-Za-z0-9_-]. */
const MAX_NAME = 80;

/**
 * The identity of one drain of a task: the name of its execution, which the workflow also writes
 * into the drain ledger row as `drainId`. A task kept after a cancelled drain may be drained again
 * later; that drain has a new drainRequestedAt, hence a new name (Step Functions refuses a name
 * it has seen, for 90 days) and a ledger identity the old row cannot be mistaken for. Starting the
 * same drain twice still gives the same name, so the second start is a no-op.
 *
 * With the longest workload name the config allows (40) and ECS's 32-digit task ids, the name is
 * exactly 80 characters; anything longer is shortened the way drainExecutionName shortens.
 */
export function drainIdOf(
  workload: string,
  task: Pick<BurstTask, 'taskArn' | 'drainRequestedAt' | 'drainExecution'>,
): string {
  // A task recorded before drains had an identity of their own keeps the old name, and so does a
  // drain started under it (by the version before), so it is not started a second time.
  const legacy = drainExecutionName(workload, task.taskArn);
  if (!task.drainRequestedAt) return legacy;
  if (task.drainExecution && executionNameOf(task.drainExecution) === legacy) return legacy;
  const name = `${workload}-${taskIdOf(task.taskArn)}-${digest([task.drainRequestedAt], 6)}`.replace(
    /[^A-Za-z0-9_-]/g,
    '-',
  );
  return name.length <= MAX_NAME ? name : `${name.slice(0, 55)}-${digest([name], 24)}`;
}

/** The name at the end of an execution ARN (`…:execution:<machine>:<name>`). */
export const executionNameOf = (executionArn: string): string => executionArn.split(':').at(-1) ?? '';

/** True when the task's recorded execution is the one of its current drain request. */
export const startedCurrentDrain = (workload: string, task: BurstTask): boolean =>
  !!task.drainExecution && executionNameOf(task.drainExecution) === drainIdOf(workload, task);
