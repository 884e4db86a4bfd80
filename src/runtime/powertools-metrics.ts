import { MetricUnit, type Metrics as PowertoolsMetrics } from '@aws-lambda-powertools/metrics';
import { METRICS, type Metrics } from '../usecases/metrics';

/** The CloudWatch namespace of every Spillway metric; alarms and the dashboard read it. */
export const METRICS_NAMESPACE = 'Spillway';

const units = { Count: MetricUnit.Count, Milliseconds: MetricUnit.Milliseconds } as const;

/**
 * Metrics as CloudWatch embedded metric format lines in the function's log: no API call, no
 * latency. Each record is a single metric with its own dimensions (the environment's among them,
 * added to the instance once), so a metric's dimension set is exactly its catalogue entry.
 */
export function powertoolsMetrics(metrics: PowertoolsMetrics): Metrics {
  return {
    record(name, value, dimensions) {
      const single = metrics.singleMetric();
      single.addDimensions(dimensions as Record<string, string>);
      single.addMetric(name, units[METRICS[name].unit], value);
    },
  };
}
