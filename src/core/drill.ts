import type { WorkloadConfig } from '../config/schema';
import { clipped } from './clip';
import { commandDedupKey } from './command';
import { describePause, inForce } from './controls';
import { digest } from './ids';
import { MEMORY_SECONDS } from './memory';
import { countLive, type DrillRun, regionMaxOf, type WorkloadState } from './workload-state';

/**
 * Readiness drills: one task per burst region, started, watched until RUNNING (and healthy in its
 * target group when there is one), then drained through the drain workflow, so a burst path that
 * would fail at the worst moment (an image that does not pull, a deleted subnet, a low quota)
 * fails on a quiet afternoon instead. A drill task counts against the maxes like any live task,
 * so a drill never pushes a workload above them; it is never capacity (no floor, aim or
 * replacement counts it) and never a scale-in victim (it is not among the workload's tasks).
 */

/** What `requestedBy` says on a drill a schedule sent. */
export const DRILL_SCHEDULE_REQUESTER = 'drill-schedule';
/** The ECS tag that marks a drill task: adoption leaves it alone, the drill owns it. */
export const DRILL_TAG = 'spillway:drill';
/** From RunTask to RUNNING: longer than any healthy image pull, short enough to page the same day. */
export const DRILL_RUNNING_TIMEOUT_SECONDS = 600;
/** From RUNNING to healthy in the target group: a few health check intervals and the grace period. */
export const DRILL_HEALTHY_TIMEOUT_SECONDS = 300;
/**
 * A drill recorded as starting but without its task after this long: the invocation that was to
 * call RunTask stopped first. Its task, if any, is looked for by tag before the drill is given up.
 */
export const DRILL_START_GRACE_SECONDS = 120;
/** Past its drain time by this much, a drill's drain is asked about (as stuck drains are). */
export const DRILL_DRAIN_GRACE_SECONDS = 900;
/** Between a failed drain of a drill's task and the next: a refused StopTask is not retried in a loop. */
export const DRILL_REDRAIN_SECONDS = 60;

export type { DrillRun } from './workload-state';

/** The outcome of one drill in one region: what `spillway drill` prints and `status` keeps. */
export interface DrillResult {
  readonly drillId: string;
  readonly workload: string;
  readonly region: string;
  readonly requestedAt: string;
  readonly finishedAt: string;
  /** `refused`: not started, to keep a bound or a control (the error says which). */
  readonly outcome: 'passed' | 'failed' | 'refused';
  readonly started: boolean;
  readonly secondsToRunning: number | null;
  readonly secondsToHealthy: number | null;
  readonly drained: boolean;
  readonly error: string | null;
  readonly taskArn: string | null;
}

/** Live drills of a workload: every one counts against the maxes until its result is recorded. */
export const liveDrills = (state: WorkloadState): readonly DrillRun[] => Object.values(state.drills ?? {});

/** The longest error a drill result keeps: RunTask's and ECS's messages fit, a stack would not. */
const DRILL_ERROR_MAX = 300;
export const drillErrorOf = (error: string): string => clipped(error, DRILL_ERROR_MAX);

/**
 * The id of a drill the CLI asks for: derived from what was asked, so sending it twice (a retry
 * after a timeout) is one drill. Within the 128 characters a command id may have.
 */
export function drillCommandId(workload: string, issuedAt: string, requestedBy = ''): string {
  return `drill-${workload}-${digest([workload, issuedAt, requestedBy], 12)}`;
}

/** RunTask's clientToken (≤ 64 characters) for a drill's one task in one region. */
export const drillClientToken = (drillId: string, region: string): string =>
  `drill-${digest([drillId, region], 32)}`;

export interface DrillRequest {
  readonly drillId: string;
  readonly requestedBy?: string;
}

export interface DrillReservation {
  /** The state to write, conditionally on the version read; undefined: nothing to write. */
  readonly next: WorkloadState | undefined;
  readonly reserved: readonly DrillRun[];
  readonly refused: readonly { readonly region: string; readonly reason: string }[];
  /** The drill id was applied before: a redelivery, which starts nothing. */
  readonly duplicate: boolean;
}

/**
 * Reserves one drill task per burst region where the maxes leave room, counting live tasks,
 * pending launches and live drills, as a scale-out would: the workload's max in total, then each
 * region's. Pure: the caller writes `next` conditionally on the version of `state`, so a
 * scale-out deciding at the same moment either sees the drill or makes this write fail and be
 * computed again. A pause or a dry-run refuses every region: both mean no new tasks.
 */
export function reserveDrills(
  workload: WorkloadConfig,
  state: WorkloadState,
  request: DrillRequest,
  now: Date,
): DrillReservation {
  const key = commandDedupKey(request.drillId);
  if (state.applied[key] !== undefined)
    return { next: undefined, reserved: [], refused: [], duplicate: true };
  const nowIso = now.toISOString();
  const live = countLive(state);
  let room = workload.maxBurstTasks - live.total;
  const reserved: DrillRun[] = [];
  const refused: { region: string; reason: string }[] = [];
  const paused = inForce(state.paused, nowIso);
  for (const burstRegion of workload.burstRegions) {
    const { region } = burstRegion;
    const inRegion = live.byRegion.get(region) ?? 0;
    const regionMax = regionMaxOf(workload, region);
    const under = state.drills?.[region];
    const reason = paused
      ? `${describePause(state.paused as NonNullable<WorkloadState['paused']>)}: a drill starts no task while paused`
      : state.dryRun
        ? `dry-run since ${state.dryRun.since}: a drill starts no task during a dry-run`
        : under
          ? `drill ${under.drillId} is still under way in ${region}`
          : room <= 0
            ? `at maxBurstTasks (${live.total + reserved.length}/${workload.maxBurstTasks}): a drill never pushes the workload above its max`
            : inRegion >= regionMax
              ? `${region} at its max (${inRegion}/${regionMax}): a drill never pushes the workload above its max`
              : undefined;
    if (reason) {
      refused.push({ region, reason });
      continue;
    }
    room--;
    reserved.push({
      drillId: request.drillId,
      region,
      cluster: burstRegion.cluster,
      requestedAt: nowIso,
      ...(request.requestedBy ? { requestedBy: request.requestedBy } : {}),
      phase: 'starting',
    });
  }
  const drills = { ...state.drills };
  for (const run of reserved) drills[run.region] = run;
  const applied = { ...state.applied, [key]: new Date(now.getTime() + MEMORY_SECONDS * 1000).toISOString() };
  return {
    next: { ...state, applied, ...(Object.keys(drills).length > 0 ? { drills } : {}) },
    reserved,
    refused,
    duplicate: false,
  };
}

/** The state with one region's drill replaced by `run`, or removed when `run` is undefined. */
export function withDrill(state: WorkloadState, region: string, run: DrillRun | undefined): WorkloadState {
  const { drills: _drills, ...rest } = state;
  const drills = { ...state.drills };
  if (run) drills[region] = run;
  else delete drills[region];
  return Object.keys(drills).length > 0 ? { ...rest, drills } : rest;
}

const secondsBetween = (from: string, to: string | undefined): number | null =>
  to === undefined ? null : Math.max(0, Math.round((Date.parse(to) - Date.parse(from)) / 100) / 10);

/** The result of a drill that ends now: passed only when nothing went wrong and its task drained. */
export function drillResultOf(
  workload: string,
  run: DrillRun,
  end: { readonly drained: boolean; readonly error?: string },
  now: Date,
): DrillResult {
  const error = end.error ?? run.error;
  return {
    drillId: run.drillId,
    workload,
    region: run.region,
    requestedAt: run.requestedAt,
    finishedAt: now.toISOString(),
    outcome: !error && end.drained ? 'passed' : 'failed',
    started: run.taskArn !== undefined,
    secondsToRunning: secondsBetween(run.requestedAt, run.runningAt),
    secondsToHealthy: secondsBetween(run.requestedAt, run.healthyAt),
    drained: end.drained,
    error: error ? drillErrorOf(error) : !end.drained ? 'not drained' : null,
    taskArn: run.taskArn ?? null,
  };
}

/** A region's drill refused before it started anything. */
export function refusedDrill(
  workload: string,
  drillId: string,
  region: string,
  reason: string,
  now: Date,
): DrillResult {
  const at = now.toISOString();
  return {
    drillId,
    workload,
    region,
    requestedAt: at,
    finishedAt: at,
    outcome: 'refused',
    started: false,
    secondsToRunning: null,
    secondsToHealthy: null,
    drained: false,
    error: drillErrorOf(reason),
    taskArn: null,
  };
}

/** What ECS, the target group and the drain ledger say about a started drill's task. */
export interface DrillObservation {
  /** ECS's lastStatus; MISSING when ECS no longer knows the task. */
  readonly ecsStatus?: string;
  readonly stoppedReason?: string;
  readonly privateIp?: string;
  /** The target's health, when the drill's task is registered in a target group. */
  readonly targetHealth?: string;
  /** This drain's ledger row, once the workflow wrote one. */
  readonly ledger?: { readonly status: string; readonly failure?: string };
}

/**
 * The next step of a started drill, decided from what was observed (pure):
 * - `update`: record what changed (RUNNING seen, address, healthy) and wait;
 * - `register`: RUNNING with an address and a target group: put it in, as a burst task would be;
 * - `drain`: RUNNING (and healthy), or out of time: start its drain (an error says why it failed);
 * - `finish`: its drain ended, or the task stopped by itself: record the result;
 * - `wait`: nothing new.
 */
export type DrillStep =
  | { readonly kind: 'wait' }
  | { readonly kind: 'update'; readonly run: DrillRun }
  | { readonly kind: 'register'; readonly run: DrillRun }
  | { readonly kind: 'drain'; readonly run: DrillRun }
  /** Its drain failed: report the drill failed now, and drain the task again (it may still run). */
  | { readonly kind: 'redrain'; readonly run: DrillRun }
  | { readonly kind: 'finish'; readonly drained: boolean; readonly error?: string };

export function nextDrillStep(
  run: DrillRun,
  seen: DrillObservation,
  options: { readonly targetGroup: boolean },
  now: Date,
): DrillStep {
  const nowIso = now.toISOString();
  const elapsed = (since: string) => (now.getTime() - Date.parse(since)) / 1000;
  if (run.phase === 'draining') {
    if (seen.ledger?.status === 'stopped') return { kind: 'finish', drained: true };
    if (seen.ledger?.status === 'drain_failed') {
      // Not finished: the task may still run, and until it stops it holds its place under the max.
      if (run.drainRequestedAt && elapsed(run.drainRequestedAt) < DRILL_REDRAIN_SECONDS)
        return { kind: 'wait' };
      const error = run.error ?? drillErrorOf(`drain failed: ${seen.ledger.failure ?? 'unknown'}`);
      return { kind: 'redrain', run: { ...run, error } };
    }
    return { kind: 'wait' };
  }
  const status = seen.ecsStatus ?? run.ecsStatus;
  if (status === 'STOPPED' || status === 'MISSING') {
    const why =
      seen.stoppedReason || (status === 'MISSING' ? 'ECS no longer knows the task' : 'no reason given');
    return {
      kind: 'finish',
      drained: false,
      error: `task stopped ${run.runningAt ? 'before it was drained' : 'before RUNNING'}: ${why}`,
    };
  }
  let next: DrillRun = run;
  if (status && status !== run.ecsStatus) next = { ...next, ecsStatus: status };
  if (seen.privateIp && seen.privateIp !== run.privateIp) next = { ...next, privateIp: seen.privateIp };
  if (status === 'RUNNING' && !next.runningAt) next = { ...next, runningAt: nowIso };
  const drain = (error?: string): DrillStep => ({
    kind: 'drain',
    run: { ...next, ...(error ? { error: drillErrorOf(error) } : {}) },
  });
  if (!next.runningAt) {
    if (elapsed(run.requestedAt) > DRILL_RUNNING_TIMEOUT_SECONDS)
      return drain(
        `not RUNNING within ${DRILL_RUNNING_TIMEOUT_SECONDS} s (last status ${status ?? 'unknown'})`,
      );
    return next === run ? { kind: 'wait' } : { kind: 'update', run: next };
  }
  if (!options.targetGroup) return drain();
  if (!next.registeredTarget) {
    if (next.privateIp) return { kind: 'register', run: next };
    if (elapsed(next.runningAt) > DRILL_HEALTHY_TIMEOUT_SECONDS)
      return drain(`no address reported within ${DRILL_HEALTHY_TIMEOUT_SECONDS} s of RUNNING`);
    return next === run ? { kind: 'wait' } : { kind: 'update', run: next };
  }
  if (seen.targetHealth === 'healthy') return { kind: 'drain', run: { ...next, healthyAt: nowIso } };
  if (elapsed(next.runningAt) > DRILL_HEALTHY_TIMEOUT_SECONDS)
    return drain(
      `not healthy in its target group within ${DRILL_HEALTHY_TIMEOUT_SECONDS} s of RUNNING (${seen.targetHealth ?? 'health unknown'})`,
    );
  return next === run ? { kind: 'wait' } : { kind: 'update', run: next };
}
