import type { WorkloadConfig } from '../config/schema';
import type { WorkloadState } from '../core/workload-state';
import { launchPending } from './launch-pending';
import type { DecideDeps } from './ports';
import { startDrain } from './start-drain';

export { burstTaskTags, LAUNCH_CLAIM_SECONDS } from './launch-pending';

/**
 * Carries out what committed decisions left pending: launches not yet confirmed by RunTask and
 * drains not yet started. Safe to run any number of times: RunTask gets the same clientToken for
 * the same decision, and a drain execution is named after its task.
 */
export async function carryOut(
  workload: WorkloadConfig,
  deps: DecideDeps,
  known?: WorkloadState,
): Promise<void> {
  // The state just committed by the caller is current enough to find the work; each step re-reads
  // under its own conditional write anyway.
  const state = known ?? (await deps.store.load(workload.name));
  for (const launch of state.pendingLaunches) await launchPending(workload, launch, deps);
  const requested = Object.values(state.tasks).filter((task) => task.status === 'drain_requested');
  for (const task of requested) await startDrain(workload, task, deps);
}
