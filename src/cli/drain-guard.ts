import { inForce } from '../core/controls';
import { isoOf } from '../core/instant';
import { firingAlertKeys, type WorkloadState } from '../core/workload-state';
import { UsageError } from './args';

/** A drain the policy would undo at its next decision, refused before anything is sent. */
export class DrainUndone extends UsageError {}

/**
 * While an alert fires and the workload is not paused, the policy calls a drain off at the next
 * decision ("pressure came back", seconds later) and the tasks run on: the operator would believe
 * a drain happened that did not. A pause (in force, not expired) keeps drains from being called
 * off, so it is the way to keep a workload down; `--force` sends the drain anyway.
 */
export function refuseDrainThatWouldBeUndone(workload: string, state: WorkloadState, now: Date): void {
  const firing = firingAlertKeys(state);
  if (firing.length === 0 || inForce(state.paused, isoOf(now))) return;
  throw new DrainUndone(
    `drain ${workload} refused: ${firing.length} alert(s) still firing (${firing.join(', ')}), so the ` +
      'policy would call the drain off at its next decision ("pressure came back") and keep the tasks. ' +
      `To keep ${workload} down, pause it first (spillway pause ${workload} --reason "…"), then drain; ` +
      'to drain anyway, add --force',
  );
}
