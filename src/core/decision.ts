/** What happened to one input signal when the policy applied it. */
export type SignalOutcome = 'applied' | 'duplicate' | 'stale';

export interface Placement {
  readonly region: string;
  readonly count: number;
}

export type DecisionAction =
  | { readonly kind: 'scale_out'; readonly placements: readonly Placement[] }
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
  /** Operator commands the decision applied or found already applied. */
  readonly commands?: readonly {
    readonly id: string;
    readonly action: string;
    readonly outcome: 'applied' | 'duplicate';
  }[];
  /** Dry-run: what the policy would have done; `action` is then a hold. */
  readonly wouldHave?: DecisionAction;
  readonly liveTasks: number;
  readonly firingAlerts: readonly string[];
  /** True when the decision came from a periodic evaluation rather than a signal. */
  readonly tick: boolean;
}
