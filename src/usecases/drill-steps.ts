import type { WorkloadConfig } from '../config/schema';
import { type DrillRun, drillResultOf, withDrill } from '../core/drill';
import { updateState } from './commit-with-retry';
import type { DecideDeps, DrillResultStore } from './ports';

/** The drill result store, which only wiring that carries out drills provides. */
export function drillResultsOf(deps: Pick<DecideDeps, 'drillResults'>): DrillResultStore {
  if (!deps.drillResults) throw new Error('readiness drills are not wired here: no drill result store');
  return deps.drillResults;
}

/**
 * Writes a drill's progress, conditionally on the state version like every write, and only over
 * the same drill: a drill that finished meanwhile (another reconcile run) is not brought back.
 */
export async function saveDrill(workload: WorkloadConfig, run: DrillRun, deps: DecideDeps): Promise<void> {
  await updateState(deps, workload.name, (state) => {
    const current = state.drills?.[run.region];
    if (current?.drillId !== run.drillId) return undefined;
    return { next: withDrill(state, run.region, run) };
  });
}

/**
 * Ends a drill: its result first (kept as the region's last), then the drill leaves the state, and
 * with it the room it took under the maxes. A crash in between leaves the drill to be ended again.
 */
export async function finishDrill(
  workload: WorkloadConfig,
  run: DrillRun,
  end: { readonly drained: boolean; readonly error?: string },
  deps: DecideDeps,
): Promise<void> {
  await reportDrill(workload, run, end, deps);
  await updateState(deps, workload.name, (state) => {
    if (state.drills?.[run.region]?.drillId !== run.drillId) return undefined;
    return { next: withDrill(state, run.region, undefined) };
  });
}

/**
 * Records the drill's result. A failure is counted (the alarm) and logged once: a drill reported
 * when its drain failed is recorded again when its task is finally drained, without a second count.
 */
export async function reportDrill(
  workload: WorkloadConfig,
  run: DrillRun,
  end: { readonly drained: boolean; readonly error?: string },
  deps: DecideDeps,
): Promise<void> {
  const result = drillResultOf(workload.name, run, end, deps.clock());
  await drillResultsOf(deps).record(result);
  if (run.reported) return;
  const fields = {
    workload: workload.name,
    drillId: run.drillId,
    region: run.region,
    outcome: result.outcome,
    secondsToRunning: result.secondsToRunning,
    secondsToHealthy: result.secondsToHealthy,
    drained: result.drained,
    ...(result.error ? { error: result.error } : {}),
  };
  if (result.outcome === 'passed') deps.log.info('drill passed', fields);
  else {
    deps.metrics?.record('DrillsFailed', 1, { workload: workload.name });
    deps.log.error('drill failed', fields);
  }
}
