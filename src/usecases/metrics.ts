/**
 * Every metric Spillway's functions emit, in one catalogue: CloudWatch (EMF documents written by
 * src/runtime/emf-metrics.ts) and the local runtime's Prometheus endpoint read the same names, units
 * and dimensions, so dashboards and alarms mean the same thing in both places.
 */
export const METRICS = {
  /** Signals a webhook delivery put on the queue. */
  SignalsAccepted: { unit: 'Count', dimensions: ['source'] },
  /** Deliveries refused, by why (the `error` of the 4xx/5xx answer). */
  SignalsRejected: { unit: 'Count', dimensions: ['source', 'reason'] },
  Decisions: { unit: 'Count', dimensions: ['workload', 'kind'] },
  LaunchesStarted: { unit: 'Count', dimensions: ['region'] },
  LaunchesFailed: { unit: 'Count', dimensions: ['region', 'reason'] },
  BreakerOpened: { unit: 'Count', dimensions: ['region'] },
  BreakerClosed: { unit: 'Count', dimensions: ['region'] },
  /** 1 while the region's launch breaker is open, 0 while closed: sampled by every reconcile run. */
  BreakerOpen: { unit: 'Count', dimensions: ['region'] },
  DrainsStarted: { unit: 'Count', dimensions: ['region'] },
  DrainsSucceeded: { unit: 'Count', dimensions: ['region'] },
  DrainsCancelled: { unit: 'Count', dimensions: ['region'] },
  DrainsFailed: { unit: 'Count', dimensions: ['region'] },
  /** Decisions held because lost tasks keep being replaced (the crash-loop guard). */
  CrashLoops: { unit: 'Count', dimensions: ['workload'] },
  SpendGuardHolds: { unit: 'Count', dimensions: ['workload'] },
  /** From the newest signal a scale-out applied being observed to its first RunTask answer. */
  DecisionLatency: { unit: 'Milliseconds', dimensions: [] },
  /** Workloads a reconcile run could not reconcile: the function itself does not fail for them. */
  ReconcileErrors: { unit: 'Count', dimensions: ['workload'] },
  /** Readiness drills that failed in a region (did not start, run, turn healthy or drain): a burst path is broken. One alarm per workload; the region is in the result. */
  DrillsFailed: { unit: 'Count', dimensions: ['workload'] },
  /** 1 while a watched site is lost (or recovering, still evacuated), 0 otherwise: sampled by reconcile. */
  SiteLost: { unit: 'Count', dimensions: ['site'] },
  /** Decisions that started a lost site's evacuation beyond a spend guard (spendGuardDuringLoss: exceed). */
  SpendGuardExceeded: { unit: 'Count', dimensions: ['workload'] },
} as const satisfies Record<string, { unit: 'Count' | 'Milliseconds'; dimensions: readonly string[] }>;

export type MetricName = keyof typeof METRICS;

type DimensionsOf<N extends MetricName> = {
  readonly [K in (typeof METRICS)[N]['dimensions'][number]]: string;
};

/** Where use cases record what happened; the adapters decide how it is shipped. */
export interface Metrics {
  record<N extends MetricName>(name: N, value: number, dimensions: DimensionsOf<N>): void;
}

/** For wiring that ships no metrics. */
export const noMetrics: Metrics = { record: () => {} };
