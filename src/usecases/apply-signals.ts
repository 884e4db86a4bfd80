import type { WorkloadConfig } from '../config/schema';
import type { OperatorCommand } from '../core/command';
import { burstCostPerHour, roundCost } from '../core/cost';
import type { Decision } from '../core/decision';
import { decide } from '../core/policy';
import type { Signal } from '../core/signal';
import { SPEND_GUARD_EXCEEDED } from '../core/spend-guard';
import type { WorkloadState } from '../core/workload-state';
import { carryOut } from './carry-out';
import { updateState } from './commit-with-retry';
import { claimedLaunch } from './launch-pending';
import type { DecideDeps } from './ports';

/** How long the other workloads' states serve the environment's spend guard before a re-read. */
export const OTHER_WORKLOADS_CACHE_SECONDS = 5;

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
  // One read for the state and the breakers of the workload's regions. The breakers and the other
  // workloads' spend only steer placement and the guard, so a retried write keeps them as read;
  // the bounds come from the state read under the write.
  const regions = workload.burstRegions.map((r) => r.region);
  const { state: read, regionHealth } = await deps.store.loadForDecision(workload.name, regions);
  const otherWorkloadsCostPerHour = deps.config.spendGuard
    ? await otherWorkloadsCost(workload, deps)
    : undefined;
  let claimed: string | undefined;
  const current = await updateState(
    deps,
    workload.name,
    (state) => {
      // Each try decides anew: a try whose write lost claimed nothing, and the launch it would
      // have claimed (the same decision on the same version) is the winner's to carry out.
      claimed = undefined;
      const now = deps.clock();
      const result = decide({
        workload,
        state,
        signals,
        commands,
        now,
        regionHealth,
        ...(otherWorkloadsCostPerHour !== undefined ? { otherWorkloadsCostPerHour } : {}),
        ...(deps.config.spendGuard
          ? { environmentMaxCostPerHour: deps.config.spendGuard.maxCostPerHour }
          : {}),
      });
      decision = result.decision;
      logSeparately = !result.changed;
      if (!result.changed) return undefined;
      // This invocation carries out the launches it decides: claimed in the decision's own write,
      // not in a write of their own (another invocation takes over once the claim lapses).
      claimed = result.decision.id;
      const next = {
        ...result.next,
        pendingLaunches: result.next.pendingLaunches.map((launch) =>
          launch.decisionId === claimed && launch.attempts === 0 ? claimedLaunch(launch, now) : launch,
        ),
      };
      return { next, decision: result.decision };
    },
    { justRead: read },
  );
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
  recordDecision(decision, deps);
  await carryOut(workload, deps, current, { regionHealth, ...(claimed ? { claimed } : {}) });
  return decision;
}

/**
 * Counts the decision by kind, and the holds an on-call engineer is paged for. An idle periodic
 * evaluation is no decision worth counting.
 */
function recordDecision(decision: Decision, deps: DecideDeps): void {
  if (
    !deps.metrics ||
    (decision.tick && decision.action.kind === 'hold' && !decision.reason.startsWith('crash loop'))
  )
    return;
  deps.metrics.record('Decisions', 1, { workload: decision.workload, kind: decision.action.kind });
  if (decision.action.kind === 'scale_out' && decision.reason.includes(SPEND_GUARD_EXCEEDED))
    deps.metrics.record('SpendGuardExceeded', 1, { workload: decision.workload });
  if (decision.action.kind !== 'hold') return;
  if (decision.reason.includes('crash loop'))
    deps.metrics.record('CrashLoops', 1, { workload: decision.workload });
  if (decision.reason.includes('spend guard'))
    deps.metrics.record('SpendGuardHolds', 1, { workload: decision.workload });
}

const otherStates = new WeakMap<
  DecideDeps,
  { readonly at: number; readonly states: Map<string, WorkloadState> }
>();

/** A workload's cost per hour at maxBurstTasks in its dearest region: the most it can spend. */
const mostCostPerHour = (workload: WorkloadConfig): number =>
  workload.maxBurstTasks * Math.max(0, ...workload.burstRegions.map((r) => r.costPerTaskHour ?? 0));

/**
 * Estimated cost per hour of every other workload's burst, for the environment's spend guard. The
 * states come from one BatchGetItem and serve the decisions of the next few seconds (a batch of
 * many workloads reads them once). The guard is an estimate: deciders of different workloads
 * running at once each see the others as they were, so together they can overshoot the limit by
 * at most one scale-out step each; each workload's own bound is exact, under its conditional write.
 */
async function otherWorkloadsCost(workload: WorkloadConfig, deps: DecideDeps): Promise<number> {
  const now = deps.clock().getTime();
  let cached = otherStates.get(deps);
  if (!cached || now - cached.at > OTHER_WORKLOADS_CACHE_SECONDS * 1000 || now < cached.at) {
    const names = deps.config.workloads.map((w) => w.name);
    cached = { at: now, states: await deps.store.loadStates(names) };
    otherStates.set(deps, cached);
  }
  let cost = 0;
  for (const other of deps.config.workloads) {
    if (other.name === workload.name) continue;
    const state = cached.states.get(other.name);
    // An unreadable state item leaves the workload out of the read: counted at its most, so the
    // guard errs on the side of spending less until the item is repaired.
    cost += state ? burstCostPerHour(other, state) : mostCostPerHour(other);
  }
  return roundCost(cost);
}
