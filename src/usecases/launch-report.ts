import type { WorkloadConfig } from '../config/schema';
import type { Decision } from '../core/decision';
import { digest } from '../core/ids';
import { FAILURES_TO_OPEN, isOpen, type RegionHealthMap } from '../core/region-health';
import type { PendingLaunch } from '../core/workload-state';
import { type RegionAttempt, summarise } from './launch-attempt';
import type { MovedLaunches } from './launch-fallback';

export interface SettleContext {
  /** Region health after this launch's outcome was recorded. */
  readonly health: RegionHealthMap;
  /** Regions that failed in this invocation's chain: no remainder moves back to them. */
  readonly failedRegions: readonly string[];
  /** True when the launch was not tried because its region's circuit is open. */
  readonly skipped: boolean;
}

/**
 * The decision log entry of a launch that did not go to plan, saying what happened in order:
 * "RunTask in us-west-2 started 3 of 5 task(s) for decision d-…: Spot had no capacity in
 * us-west-2 for 3 task(s); 3 on demand in us-west-2; region us-west-2 failing (circuit open until
 * …); 2 moved to eu-west-1". Undefined when every task started as planned.
 */
export function launchReport(
  workload: WorkloadConfig,
  launch: PendingLaunch,
  attempt: RegionAttempt,
  moved: MovedLaunches,
  context: SettleContext,
  liveTasks: number,
  now: Date,
): Decision | undefined {
  const { region } = launch;
  const parts: string[] = [];
  const health = context.health[region];
  if (context.skipped) parts.push(`region ${region} not tried (circuit open until ${health?.openUntil})`);
  const failures = summarise(attempt.failures);
  if (failures) parts.push(failures);
  if (attempt.spot.short > 0)
    parts.push(
      `Spot had no capacity in ${region} for ${attempt.spot.short} task(s)`,
      `${attempt.spot.onDemand} on demand in ${region}`,
    );
  if (attempt.permanent) parts.push(attempt.permanent);
  if (attempt.regionFailure && !context.skipped)
    parts.push(
      isOpen(health, now)
        ? `region ${region} failing (circuit open until ${health?.openUntil})`
        : `region ${region} failing (${health?.consecutiveFailures ?? 1} failed launch(es) in a row; the circuit opens at ${FAILURES_TO_OPEN})`,
    );
  for (const to of moved.launches)
    parts.push(`${to.count} moved to ${to.region}${to.spot ? ` (${to.spot} on Spot)` : ''}`);
  const missing = launch.count - attempt.started.length;
  const placed = moved.launches.reduce((sum, p) => sum + p.count, 0);
  if (attempt.regionFailure && missing > placed)
    parts.push(`${missing - placed} not started: no other burst region can take them`);
  if (parts.length === 0) return undefined;
  return {
    id: `${launch.decisionId}-launch-${digest([region, launch.requestedAt], 8)}`,
    workload: workload.name,
    at: now.toISOString(),
    action: { kind: 'hold' },
    reason: `RunTask in ${region} started ${attempt.started.length} of ${launch.count} task(s) for decision ${launch.decisionId}: ${parts.join('; ')}`,
    signals: [],
    liveTasks,
    ...(moved.candidates.length > 0 ? { candidates: moved.candidates } : {}),
    firingAlerts: [],
    tick: false,
  };
}
