/** Signals one decision lists one by one; the rest are counted (see `moreSignals`). */
export const MAX_LISTED_SIGNALS = 100;

/** What happened to one input signal when the policy applied it. */
export type SignalOutcome = 'applied' | 'duplicate' | 'stale';

/** How a burst task runs: Fargate on demand, or Fargate Spot (cheaper, may be interrupted). */
export type Capacity = 'on_demand' | 'spot';

export interface Placement {
  readonly region: string;
  readonly count: number;
  /** How many of `count` run on Fargate Spot; absent or 0 means all on demand. */
  readonly spot?: number;
}

/** One burst region as placement saw it, for the decision log's "why this region". */
export interface RegionCandidate {
  readonly region: string;
  /** Lower is better: preference, then cost, then position; `spread` ranks by deficit instead. */
  readonly score: number;
  readonly preference: number;
  readonly weight: number;
  readonly costPerTaskHour?: number;
  readonly live: number;
  readonly room: number;
  /** Tasks placed here by this decision. */
  readonly chosen: number;
  /** Why the region took nothing when it did not: full, circuit open… */
  readonly skipped?: string;
}

export type DecisionAction =
  | {
      readonly kind: 'scale_out';
      readonly placements: readonly Placement[];
      /** Draining tasks kept instead of starting new ones, because pressure came back. */
      readonly cancelDrains?: readonly { readonly taskArn: string; readonly region: string }[];
    }
  | {
      readonly kind: 'scale_in';
      readonly tasks: readonly { readonly taskArn: string; readonly region: string }[];
    }
  | { readonly kind: 'hold' }
  | { readonly kind: 'ignored' };

/** The pure result of applying policy to (workload state, signals, now). Every one is logged. */
export interface Decision {
  readonly id: string;
  readonly workload: string;
  readonly at: string;
  readonly action: DecisionAction;
  /** Human-readable: why this action, or why no action. */
  readonly reason: string;
  readonly signals: readonly {
    readonly id: string;
    readonly dedupKey: string;
    readonly state: string;
    readonly outcome: SignalOutcome;
  }[];
  /**
   * Outcomes of the signals beyond the first MAX_LISTED_SIGNALS, counted rather than listed: a
   * storm of thousands of signals is one decision, and its log item must stay within DynamoDB's
   * 400 KB like every other item.
   */
  readonly moreSignals?: Readonly<Partial<Record<SignalOutcome, number>>>;
  /** Operator commands the decision applied or found already applied. */
  readonly commands?: readonly {
    readonly id: string;
    readonly action: string;
    readonly outcome: 'applied' | 'duplicate' | 'stale';
  }[];
  /** Dry-run: what the policy would have done; `action` is then a hold. */
  readonly wouldHave?: DecisionAction;
  readonly liveTasks: number;
  /** The burst regions placement weighed, with their scores, when the decision placed tasks. */
  readonly candidates?: readonly RegionCandidate[];
  /** Estimated cost per hour of the workload's live burst tasks after this decision. */
  readonly costPerHour?: number;
  readonly firingAlerts: readonly string[];
  /** True when the decision came from a periodic evaluation rather than a signal. */
  readonly tick: boolean;
}
