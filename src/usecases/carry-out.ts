import type { WorkloadConfig } from '../config/schema';
import type { WorkloadState } from '../core/workload-state';
import { cancelDrain } from './cancel-drain';
import { launchPending } from './launch-pending';
import type { DecideDeps } from './ports';
import { startDrain } from './start-drain';

export { burstTaskTags, LAUNCH_CLAIM_SECONDS } from './launch-pending';

/**
 * Carries out what committed decisions left pending: drains called off, launches not yet
 * confirmed by RunTask, and drains not yet started. Safe to run any number of times: RunTask gets
 * the same clientToken for the same decision, a drain execution is named after its drain, and a
 * cancellation is a conditional write that a second attempt finds done.
 */
export async function carryOut(
  workload: WorkloadConfig,
  deps: DecideDeps,
  known?: WorkloadState,
): Promise<void> {
  // The state just committed by the caller is current enough to find the work; each step re-reads
  // under its own conditional write anyway.
  const state = known ?? (await deps.store.load(workload.name));
  // Cancellations first: each one races its drain's point of no return.
  const toCancel = Object.values(state.tasks).filter((task) => task.status === 'cancel_requested');
  if (toCancel.length > 0) {
    for (const task of toCancel) await cancelDrain(workload, task, deps);
  }
  // A cancellation that came too late may have put a drain back to be (re)started.
  const current = toCancel.length > 0 ? await deps.store.load(workload.name) : state;
  for (const launch of current.pendingLaunches) await launchPending(workload, launch, deps);
  const requested = Object.values(current.tasks).filter((task) => task.status === 'drain_requested');
  for (const task of requested) await startDrain(workload, task, deps);
}
