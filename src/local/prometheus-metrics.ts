import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { BurstTaskStatus } from '../core/workload-state';
import { METRICS, type MetricName, type Metrics } from '../usecases/metrics';
import type { StatusReport } from '../usecases/status';
import type { Exposition } from './http-server';

/**
 * The Prometheus name of a catalogue metric: the same metric, spelt as Prometheus expects
 * (`spillway_` prefix, snake case, `_total` on counters, seconds for durations), so that
 * `promtool check metrics` passes and a name maps back to its CloudWatch name by rule.
 */
export function prometheusName(name: MetricName): string {
  const snake = name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
  if (GAUGES.has(name)) return `spillway_${snake}`;
  if (METRICS[name].unit === 'Milliseconds') return `spillway_${snake}_seconds`;
  return `spillway_${snake}_total`;
}

/** The catalogue's gauges: sampled states (0 or 1), not counts of events. */
const GAUGES: ReadonlySet<MetricName> = new Set(['BreakerOpen', 'SiteLost']);

/** Every catalogue metric needs its help line: a new metric without one does not type-check. */
const HELP: Record<MetricName, string> = {
  SignalsAccepted: 'Signals a webhook delivery put on the signals queue.',
  SignalsRejected: 'Webhook deliveries refused, by the error of the 4xx/5xx answer.',
  Decisions: 'Decisions logged, by action kind.',
  LaunchesStarted: 'Burst tasks RunTask started.',
  LaunchesFailed: 'Burst tasks RunTask could not start, by reason.',
  BreakerOpened: 'Times a region launch breaker opened.',
  BreakerClosed: 'Times a region launch breaker closed.',
  BreakerOpen: '1 while the region launch breaker is open, 0 while closed (sampled by reconcile).',
  DrainsStarted: 'Drain workflow executions started.',
  DrainsSucceeded: 'Drains that stopped their task.',
  DrainsCancelled: 'Drains called off because pressure came back.',
  DrainsFailed: 'Drains that failed (the task was not stopped).',
  CrashLoops: 'Decisions held because lost tasks keep being replaced.',
  SpendGuardHolds: 'Decisions held back by a spend guard.',
  DecisionLatency: 'From the newest signal a scale-out applied being observed to its first RunTask answer.',
  ReconcileErrors: 'Workloads a reconcile run could not reconcile.',
  DrillsFailed: 'Readiness drills that failed in a region (a burst path is broken).',
  SiteLost:
    '1 while the site is lost or recovering (its workloads evacuated), 0 otherwise (sampled by reconcile).',
  SpendGuardExceeded: 'Decisions that started a lost site evacuation beyond a spend guard.',
};

/** Every state a burst task gauge reports, zeros included, so a dashboard sees a state drop to 0. */
const TASK_STATES: Record<BurstTaskStatus | 'pending', null> = {
  pending: null,
  running: null,
  drain_requested: null,
  draining: null,
  cancel_requested: null,
  stopped: null,
  drain_failed: null,
};

/** Seconds: a decision takes milliseconds on a warm path and up to minutes when launches are paced. */
const LATENCY_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

type Instrument = Counter<string> | Gauge<string> | Histogram<string>;

/**
 * The local runtime's metrics: the functions record into it through the Metrics port (labels are
 * the catalogue's dimensions plus `environment`, as EMF's are), and `GET /metrics` exposes it.
 */
export class LocalMetrics {
  readonly registry = new Registry();
  private readonly instruments = new Map<MetricName, Instrument>();
  private burstTasks: (() => Promise<StatusReport>) | undefined;

  constructor() {
    for (const name of Object.keys(METRICS) as MetricName[]) {
      const config = {
        name: prometheusName(name),
        help: HELP[name],
        labelNames: ['environment', ...METRICS[name].dimensions],
        registers: [this.registry],
      };
      this.instruments.set(
        name,
        GAUGES.has(name)
          ? new Gauge(config)
          : METRICS[name].unit === 'Milliseconds'
            ? new Histogram({ ...config, buckets: LATENCY_BUCKETS })
            : new Counter(config),
      );
    }
    const source = () => this.burstTasks;
    new Gauge({
      name: 'spillway_burst_tasks',
      help: 'Burst tasks by workload, region and state (pending: launches decided, not yet started).',
      labelNames: ['environment', 'workload', 'region', 'state'],
      registers: [this.registry],
      // Read at scrape time from the status use case, the same figures as `spillway status`.
      async collect() {
        const read = source();
        if (!read) return;
        const report = await read();
        this.reset();
        for (const workload of report.workloads) {
          for (const region of workload.burstRegions) {
            const counts = Object.fromEntries(Object.keys(TASK_STATES).map((state) => [state, 0]));
            counts.pending = region.pending;
            for (const task of workload.regions[region.region] ?? []) {
              counts[task.status] = (counts[task.status] ?? 0) + 1;
            }
            for (const [state, count] of Object.entries(counts)) {
              const labels = {
                environment: report.environment,
                workload: workload.workload,
                region: region.region,
              };
              this.set({ ...labels, state }, count);
            }
          }
        }
      },
    });
  }

  /** Where the burst task gauge reads its figures at each scrape. */
  readBurstTasksFrom(read: () => Promise<StatusReport>): void {
    this.burstTasks = read;
  }

  /** The Metrics port for one environment's functions. */
  sink(environment: string): Metrics {
    return {
      record: (name, value, dimensions) => {
        const labels = { environment, ...(dimensions as Record<string, string>) };
        const instrument = this.instruments.get(name);
        if (instrument instanceof Counter) instrument.inc(labels, value);
        else if (instrument instanceof Gauge) instrument.set(labels, value);
        else instrument?.observe(labels, value / 1000);
      },
    };
  }

  async expose(): Promise<Exposition> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

let processMetrics: LocalMetrics | undefined;

/**
 * One per process: the functions are loaded once per process and keep the sink they were given,
 * so a second runtime in the same process (a test) must expose the same registry.
 */
export function localMetrics(): LocalMetrics {
  processMetrics ??= new LocalMetrics();
  return processMetrics;
}
