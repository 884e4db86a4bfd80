import type { WorkloadConfig } from '../config/schema';
import type { RegionHealthMap } from '../core/region-health';
import type { WorkloadState } from '../core/workload-state';
import { cancelDrain } from './cancel-drain';
import { launchPending } from './launch-pending';
import type { DecideDeps } from './ports';
import { startDrain } from './start-drain';

export { burstTaskTags, LAUNCH_CLAIM_SECONDS } from './launch-pending';

/** What the decision that runs this carry-out already knows, so it is not asked for again. */
export interface CarryOutContext {
  /** The breakers as the decision read them. */
  readonly regionHealth?: RegionHealthMap;
  /** The decision whose launches this invocation claimed in the decision's own write. */
  readonly claimed?: string;
}

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
  context: CarryOutContext = {},
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
  let latest = current;
  for (const launch of current.pendingLaunches)
    latest = (await launchPending(workload, launch, deps, { ...context, known: latest })) ?? latest;
  const requested = Object.values(current.tasks).filter((task) => task.status === 'drain_requested');
  for (const task of requested) latest = (await startDrain(workload, task, deps, latest)) ?? latest;
}
