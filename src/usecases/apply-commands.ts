import type { DecideEnvelope } from '../core/signal';
import { applySignals } from './apply-signals';
import type { DecideDeps } from './ports';
import type { CommandQueue } from './site-records';

/**
 * The reconciler's way of sending a lost site's commands: it applies them itself, through the
 * same policy path the decide function takes (`applySignals` with the command, applied once by
 * id), rather than through the queue. It already launches and drains for the workloads it
 * re-evaluates every minute, and this keeps an SQS client, a quarter of the budget the function's
 * bundle had left, and the permission to send, out of it.
 *
 * A command that fails throws: the site keeps its commands owed and the next run applies them all
 * again; those applied already are duplicates by id. Launches the reconcile's time runs out on are
 * pending in the state, carried out by the next run or decision.
 */
export function commandsAppliedInPlace(deps: DecideDeps): CommandQueue {
  return {
    async enqueue(envelopes: readonly DecideEnvelope[]): Promise<void> {
      for (const envelope of envelopes) {
        if (envelope.kind !== 'command') continue;
        const { command } = envelope;
        const workload = deps.config.workloads.find((w) => w.name === command.workload);
        if (!workload) throw new Error(`command ${command.id} names unknown workload ${command.workload}`);
        await applySignals(workload, [], deps, [command]);
      }
    },
  };
}
