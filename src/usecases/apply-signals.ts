import type { WorkloadConfig } from '../config/schema';
import type { OperatorCommand } from '../core/command';
import type { Decision } from '../core/decision';
import { decide } from '../core/policy';
import type { Signal } from '../core/signal';
import { carryOut } from './carry-out';
import { updateState } from './commit-with-retry';
import type { DecideDeps } from './ports';

/**
 * Applies signals and operator commands (or, with none, a periodic evaluation) to one workload:
 * decides, commits the decision and its state change together, then carries out whatever is
 * pending. A dry-run decision leaves nothing pending, so nothing is carried out for it.
 */
export async function applySignals(
  workload: WorkloadConfig,
  signals: readonly Signal[],
  deps: DecideDeps,
  commands: readonly OperatorCommand[] = [],
): Promise<Decision> {
  let decision: Decision | undefined;
  let logSeparately = false;
  const current = await updateState(deps, workload.name, (state) => {
    const result = decide({ workload, state, signals, commands, now: deps.clock() });
    decision = result.decision;
    logSeparately = !result.changed;
    return result.changed ? { next: result.next, decision: result.decision } : undefined;
  });
  if (!decision) throw new Error('unreachable: updateState always runs the change at least once');
  // An idle periodic evaluation is not worth a log row; everything a signal caused is.
  if (logSeparately && !decision.tick) await deps.store.logDecision(decision);
  deps.log.info('decision', {
    workload: workload.name,
    decisionId: decision.id,
    action: decision.action.kind,
    reason: decision.reason,
    signals: decision.signals.length,
    ...(decision.commands
      ? { commands: decision.commands.map((c) => `${c.action}:${c.id}:${c.outcome}`) }
      : {}),
    ...(decision.wouldHave ? { dryRun: true } : {}),
  });
  await carryOut(workload, deps, current);
  return decision;
}
