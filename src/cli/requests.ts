import type { CommandRequest } from '../usecases/send-command';
import { type OperatorInvocation, UsageError } from './args';

/** Refuses a workload the environment does not have, naming the ones it has. */
export function knownWorkload(workload: string, known: readonly string[]): string {
  if (!known.includes(workload))
    throw new UsageError(`unknown workload '${workload}'; known: ${known.join(', ')}`);
  return workload;
}

/**
 * One command request per workload. `--all` (the kill switch, the global dry-run) is one command to
 * every workload rather than a global flag, so each workload's decision log records it and each
 * command stays idempotent on its own.
 */
export function commandRequests(
  invocation: OperatorInvocation,
  known: readonly string[],
  requestedBy: string | undefined,
): CommandRequest[] {
  const workloads = invocation.workloads === 'all' ? known : [knownWorkload(invocation.workloads.one, known)];
  return workloads.map((workload) => ({
    workload,
    action: invocation.action,
    reason: invocation.reason,
    ...(invocation.count !== undefined ? { count: invocation.count } : {}),
    ...(invocation.until !== undefined ? { until: invocation.until } : {}),
    ...(requestedBy ? { requestedBy } : {}),
  }));
}
