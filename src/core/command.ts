/**
 * Operator commands: what an SRE asks of one workload from the CLI. They travel on the signals
 * queue and go through the same decide path as signals, so the invariants (bounds, idempotency,
 * drains only through the workflow) hold for them too.
 */
export const commandActions = [
  'burst',
  'drain',
  'drain_all',
  'pause',
  'resume',
  'dry_run_on',
  'dry_run_off',
  'evacuate',
  'end_evacuation',
  /** A readiness drill (drill.ts): carried out beside the policy, never a decision's action. */
  'drill',
] as const;

export type CommandAction = (typeof commandActions)[number];

/** The most tasks one `burst` or `drain` asks for. */
export const COMMAND_MAX_COUNT = 1000;
/** The longest reason, after trimming: it goes into every decision log line the command causes. */
export const COMMAND_REASON_MAX = 500;
/** The actions that take `until`: a pause and an evacuation end by themselves then. */
export const UNTIL_ACTIONS: readonly CommandAction[] = ['pause', 'evacuate'];

export interface OperatorCommand {
  /** Chosen by the sender; a redelivery or a repeated send of the same id changes nothing. */
  readonly id: string;
  readonly workload: string;
  readonly action: CommandAction;
  /** Tasks to start (`burst`) or drain (`drain`); absent for the other actions. */
  readonly count?: number;
  /** Why the operator asked: goes into the decision log. */
  readonly reason: string;
  readonly requestedBy?: string;
  /**
   * `pause`: when the pause ends by itself (ISO-8601), so a forgotten pause does not last.
   * `evacuate`: when the evacuation ends and the workload drains back home.
   */
  readonly until?: string;
  /** `evacuate`/`end_evacuation` sent by a maintenance window or a site loss: its name. */
  readonly window?: string;
  /** `evacuate` of a lost site whose config says so: the evacuation may exceed the spend guards. */
  readonly exceedSpendGuard?: boolean;
  /** ISO-8601, UTC with milliseconds; orders commands of one batch. */
  readonly issuedAt: string;
}

/** What a command did when the policy applied it. */
/**
 * `stale`: issued before the last command applied to the same control (a pause older than the
 * resume already applied, delivered late by the queue), so it changes nothing.
 */
export type CommandOutcome = 'applied' | 'duplicate' | 'stale';

/** The key under which an applied command id is remembered, next to the signals' dedup keys. */
export const commandDedupKey = (id: string): string => `command:${id}`;
