import { type CommandOutcome, commandDedupKey, type OperatorCommand } from './command';
import { isoAt, isoOf } from './instant';
import { MEMORY_SECONDS } from './memory';
import { SITE_LOSS_REQUESTER } from './site-health';
import type { DryRunRecord, EvacuationRecord, PauseRecord, WorkloadState } from './workload-state';

/** Manual burst and drain commands: they choose the action of the decision that applies them. */
export type ManualCommand = OperatorCommand & { readonly action: 'burst' | 'drain' | 'drain_all' };

export interface Controls {
  readonly paused: PauseRecord | undefined;
  readonly dryRun: DryRunRecord | undefined;
  readonly evacuation: EvacuationRecord | undefined;
  /** The last manual burst/drain of the batch, if any. */
  readonly manual: ManualCommand | undefined;
  readonly outcomes: { id: string; action: string; outcome: CommandOutcome }[];
  readonly issuedAt: NonNullable<WorkloadState['controlsIssuedAt']>;
}

const NONE_ISSUED: Controls['issuedAt'] = Object.freeze({});

/** Whether the state would keep the controls' issue times as it has them (none kept when empty). */
function sameIssuedAt(
  issuedAt: WorkloadState['controlsIssuedAt'],
  kept: WorkloadState['controlsIssuedAt'],
): boolean {
  const empty = !issuedAt || Object.keys(issuedAt).length === 0;
  return kept === undefined ? empty : issuedAt === kept && !empty;
}

/** Which control each action changes: the unit a late, older command may not undo. */
const controlOf = (action: OperatorCommand['action']) =>
  action === 'pause' || action === 'resume'
    ? 'pause'
    : action === 'dry_run_on' || action === 'dry_run_off'
      ? 'dryRun'
      : action === 'evacuate' || action === 'end_evacuation'
        ? 'evacuation'
        : undefined;

/**
 * Folds operator commands, oldest first, into the workload's controls, remembering each id in
 * `applied` so a redelivered command changes nothing. Controls past their expiry end by
 * themselves here: inert from now on, and dropped from the state by the next decision that writes.
 */
/**
 * Whether a control (a pause, an evacuation) is in force at `nowIso`: set, and not past its `until`.
 * Both are UTC with milliseconds (the queue's parser makes them so), so text order is time order.
 */
export const inForce = <T extends { readonly until?: string }>(
  control: T | undefined,
  nowIso: string,
): control is T => control !== undefined && !(control.until !== undefined && control.until <= nowIso);

export function foldCommands(
  state: WorkloadState,
  commands: readonly OperatorCommand[],
  applied: Record<string, string>,
  now: Date,
): Controls {
  const nowIso = isoOf(now);
  let { paused, dryRun, evacuation } = state;
  // Most decisions carry no command: the controls as they are, unless one just expired.
  if (
    commands.length === 0 &&
    (!paused || inForce(paused, nowIso)) &&
    (!evacuation || inForce(evacuation, nowIso))
  )
    return {
      paused,
      dryRun,
      evacuation,
      manual: undefined,
      outcomes: [],
      issuedAt: state.controlsIssuedAt ?? NONE_ISSUED,
    };
  // One decision per batch: when a batch carries several manual burst/drain commands, the last
  // issued one chooses the action (the others are remembered as applied).
  let manual: ManualCommand | undefined;
  const outcomes: Controls['outcomes'] = [];
  const issuedAt: Partial<Record<'pause' | 'dryRun' | 'evacuation', string>> = { ...state.controlsIssuedAt };
  const sorted = [...commands].sort(
    (a, b) => a.issuedAt.localeCompare(b.issuedAt) || a.id.localeCompare(b.id),
  );
  for (const command of sorted) {
    const key = commandDedupKey(command.id);
    if (applied[key] !== undefined) {
      outcomes.push({ id: command.id, action: command.action, outcome: 'duplicate' });
      continue;
    }
    applied[key] = isoAt(now.getTime() + MEMORY_SECONDS * 1000);
    const control = controlOf(command.action);
    const last = control ? issuedAt[control] : undefined;
    if (control && last !== undefined && command.issuedAt < last) {
      outcomes.push({ id: command.id, action: command.action, outcome: 'stale' });
      continue;
    }
    if (control) issuedAt[control] = command.issuedAt;
    outcomes.push({ id: command.id, action: command.action, outcome: 'applied' });
    const who = {
      since: nowIso,
      reason: command.reason,
      commandId: command.id,
      ...(command.requestedBy ? { requestedBy: command.requestedBy } : {}),
    };
    switch (command.action) {
      case 'pause':
        paused = { ...who, ...(command.until ? { until: command.until } : {}) };
        break;
      case 'resume':
        paused = undefined;
        break;
      case 'dry_run_on':
        dryRun = who;
        break;
      case 'dry_run_off':
        dryRun = undefined;
        break;
      case 'evacuate':
        // Of two evacuations in force, the longer one holds (no `until` is the longest): a window
        // nested in another must not end the outer one's evacuation at its own end.
        if (evacuation && outlasts(evacuation.until, command.until)) break;
        evacuation = {
          ...who,
          ...(command.until ? { until: command.until } : {}),
          ...(command.window ? { window: command.window } : {}),
          ...(command.exceedSpendGuard ? { exceedSpendGuard: true } : {}),
        };
        break;
      case 'end_evacuation':
        // A window's end only ends the evacuation that window started: an operator's evacuation
        // (or a later window's) outlives an overlapping window's end.
        if (!command.window || evacuation?.window === command.window) evacuation = undefined;
        break;
      case 'drill':
        // Drills reserve their tasks in a write of their own (drill.ts); here one is only remembered.
        break;
      default:
        manual = command as ManualCommand;
    }
  }
  if (!inForce(paused, nowIso)) paused = undefined;
  if (!inForce(evacuation, nowIso)) evacuation = undefined;
  return { paused, dryRun, evacuation, manual, outcomes, issuedAt };
}

/** True when an evacuation until `kept` lasts at least as long as one until `candidate`. */
const outlasts = (kept: string | undefined, candidate: string | undefined): boolean =>
  kept === undefined || (candidate !== undefined && kept >= candidate);

/** The state with the operator controls set or removed (absent, not undefined, when off). */
export function withControls(
  state: WorkloadState,
  controls: Omit<Controls, 'manual' | 'outcomes' | 'issuedAt'> & Partial<Pick<Controls, 'issuedAt'>>,
): WorkloadState {
  const { paused, dryRun, evacuation } = controls;
  const issuedAt = controls.issuedAt ?? state.controlsIssuedAt;
  // Most decisions change no control: the state as it is, without copying it.
  if (
    paused === state.paused &&
    dryRun === state.dryRun &&
    evacuation === state.evacuation &&
    sameIssuedAt(issuedAt, state.controlsIssuedAt)
  )
    return state;
  const { paused: _p, dryRun: _d, evacuation: _e, controlsIssuedAt: _i, ...rest } = state;
  return {
    ...rest,
    ...(issuedAt && Object.keys(issuedAt).length > 0 ? { controlsIssuedAt: issuedAt } : {}),
    ...(paused ? { paused } : {}),
    ...(dryRun ? { dryRun } : {}),
    ...(evacuation ? { evacuation } : {}),
  };
}

export function describePause(pause: PauseRecord): string {
  return `paused since ${pause.since}${pause.until ? ` until ${pause.until}` : ''}${pause.requestedBy ? ` by ${pause.requestedBy}` : ''} ("${pause.reason}"): no new tasks`;
}

export function describeEvacuation(evacuation: EvacuationRecord): string {
  const by =
    evacuation.requestedBy === SITE_LOSS_REQUESTER
      ? `site loss ${evacuation.window ?? ''}`.trim()
      : evacuation.window
        ? `maintenance window ${evacuation.window}`
        : (evacuation.requestedBy ?? 'operator');
  return `evacuation by ${by} since ${evacuation.since}${evacuation.until ? ` until ${evacuation.until}` : ''} ("${evacuation.reason}")`;
}
