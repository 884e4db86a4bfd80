import { Duration } from 'aws-cdk-lib';
import { ComparisonOperator, Metric, type MetricOptions, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { METRICS_NAMESPACE, METRICS_SERVICE } from '../src/runtime/emf-metrics';
import { METRICS, type MetricName } from '../src/usecases/metrics';

/**
 * One of the metrics the functions emit (src/usecases/metrics.ts), with the exact dimension set
 * the functions write (src/runtime/emf-metrics.ts): its service and environment, then the metric's own dimensions. A metric
 * read with any other set is a different CloudWatch metric, empty.
 */
export function spillwayMetric(
  environment: string,
  name: MetricName,
  dimensions: Readonly<Record<string, string>>,
  options: MetricOptions = {},
): Metric {
  const expected = [...METRICS[name].dimensions].sort().join(',');
  const given = Object.keys(dimensions).sort().join(',');
  if (expected !== given) throw new Error(`metric ${name} has dimensions [${expected}], not [${given}]`);
  return new Metric({
    namespace: METRICS_NAMESPACE,
    metricName: name,
    dimensionsMap: { service: METRICS_SERVICE, environment, ...dimensions },
    statistic: 'Sum',
    period: Duration.minutes(5),
    ...options,
  });
}

/** Every series of one metric of the environment, whatever its other dimensions: for graphs. */
export function spillwaySearch(environment: string, name: MetricName, statistic = 'Sum'): string {
  const dimensions = ['service', 'environment', ...METRICS[name].dimensions].join(',');
  return `SEARCH('{${METRICS_NAMESPACE},${dimensions}} MetricName="${name}" environment="${environment}"', '${statistic}', 300)`;
}

/** An alarm that fires on the first occurrence in a period, and is quiet while there is no data. */
export const ON_ANY_OCCURRENCE = {
  threshold: 1,
  comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
  evaluationPeriods: 1,
  treatMissingData: TreatMissingData.NOT_BREACHING,
} as const;
