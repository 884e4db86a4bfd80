import { MetricUnit, Metrics as PowertoolsMetrics } from '@aws-lambda-powertools/metrics';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { emfMetrics, METRICS_NAMESPACE, METRICS_SERVICE } from '../../../src/runtime/emf-metrics';
import { METRICS, type MetricName } from '../../../src/usecases/metrics';

type Document = Record<string, unknown> & { _aws: { Timestamp: number } };

/** What `act` writes to stdout, one JSON document a line. */
function stdoutOf(act: () => void): Document[] {
  const lines: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    lines.push(String(chunk));
    return true;
  });
  try {
    act();
  } finally {
    spy.mockRestore();
  }
  return lines
    .flatMap((line) => line.split('\n'))
    .filter(Boolean)
    .map((line) => JSON.parse(line));
}

const withoutTimestamp = ({ _aws, ...rest }: Document) => ({ ...rest, _aws: { ..._aws, Timestamp: 0 } });

const names = Object.keys(METRICS) as MetricName[];
const dimensionsOf = (name: MetricName) =>
  Object.fromEntries(METRICS[name].dimensions.map((dimension) => [dimension, `${dimension}-1`])) as never;

describe('emfMetrics', () => {
  afterEach(() => vi.restoreAllMocks());

  it.each(names)('writes %s as Powertools Metrics writes it as a single metric', (name) => {
    // Prepare
    const units = { Count: MetricUnit.Count, Milliseconds: MetricUnit.Milliseconds } as const;
    const reference = new PowertoolsMetrics({
      namespace: METRICS_NAMESPACE,
      serviceName: METRICS_SERVICE,
      defaultDimensions: { environment: 'prod' },
    });
    const ours = emfMetrics({
      namespace: METRICS_NAMESPACE,
      defaultDimensions: { service: METRICS_SERVICE, environment: 'prod' },
    });

    // Act
    const [theirs] = stdoutOf(() => {
      const single = reference.singleMetric();
      single.addDimensions(dimensionsOf(name));
      single.addMetric(name, units[METRICS[name].unit], 3);
    });
    const [mine] = stdoutOf(() => ours.record(name, 3, dimensionsOf(name)));

    // Assess: the same document, keys in the same order, but for when it was written
    expect(JSON.stringify(withoutTimestamp(mine as Document))).toBe(
      JSON.stringify(withoutTimestamp(theirs as Document)),
    );
  });

  it('stamps each document with the time it was recorded', () => {
    // Prepare
    const lines: string[] = [];
    const metrics = emfMetrics({
      namespace: METRICS_NAMESPACE,
      defaultDimensions: { service: METRICS_SERVICE, environment: 'dev' },
      write: (line) => lines.push(line),
      now: () => 1_700_000_000_000,
    });

    // Act
    metrics.record('LaunchesFailed', 2, { region: 'eu-west-1', reason: 'capacity' });

    // Assess
    expect(lines).toEqual([
      `${JSON.stringify({
        _aws: {
          Timestamp: 1_700_000_000_000,
          CloudWatchMetrics: [
            {
              Namespace: 'Spillway',
              Dimensions: [['service', 'environment', 'region', 'reason']],
              Metrics: [{ Name: 'LaunchesFailed', Unit: 'Count' }],
            },
          ],
        },
        service: 'spillway',
        environment: 'dev',
        region: 'eu-west-1',
        reason: 'capacity',
        LaunchesFailed: 2,
      })}\n`,
    ]);
  });

  it('leaves out a dimension without a value, and writes no document for a value that is not a number', () => {
    // Prepare
    const lines: string[] = [];
    const warnings = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const metrics = emfMetrics({
      namespace: METRICS_NAMESPACE,
      defaultDimensions: { service: METRICS_SERVICE, environment: 'dev' },
      write: (line) => lines.push(line),
    });

    // Act
    metrics.record('LaunchesStarted', 1, { region: '' });
    metrics.record('DecisionLatency', Number.NaN, {});

    // Assess
    expect(lines).toHaveLength(1);
    const document = JSON.parse(lines[0] as string);
    expect(document._aws.CloudWatchMetrics[0].Dimensions).toEqual([['service', 'environment']]);
    expect(document).not.toHaveProperty('region');
    expect(warnings.mock.calls.map(([message]) => message)).toEqual([
      'metric LaunchesStarted: dimension region has no value and is left out',
      'metric DecisionLatency not written: NaN is not a finite number',
    ]);
  });
});
