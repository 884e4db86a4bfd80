import { Metrics } from '@aws-lambda-powertools/metrics';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { METRICS_NAMESPACE, powertoolsMetrics } from '../../../src/runtime/powertools-metrics';

/** The EMF documents Powertools writes to stdout while `act` runs. */
function emitted(act: () => void): Record<string, unknown>[] {
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

describe('powertoolsMetrics', () => {
  afterEach(() => vi.restoreAllMocks());

  it('writes each record as its own EMF document with its catalogue unit and dimensions', () => {
    // Prepare
    const metrics = new Metrics({
      namespace: METRICS_NAMESPACE,
      serviceName: 'spillway',
      defaultDimensions: { environment: 'prod' },
    });

    // Act
    const documents = emitted(() => {
      const port = powertoolsMetrics(metrics);
      port.record('LaunchesFailed', 2, { region: 'eu-west-1', reason: 'capacity' });
      port.record('DecisionLatency', 180, {});
    });

    // Assess
    expect(documents).toHaveLength(2);
    expect(documents[0]).toMatchObject({
      _aws: {
        CloudWatchMetrics: [
          {
            Namespace: 'Spillway',
            Dimensions: [['service', 'environment', 'region', 'reason']],
            Metrics: [{ Name: 'LaunchesFailed', Unit: 'Count' }],
          },
        ],
      },
      environment: 'prod',
      region: 'eu-west-1',
      reason: 'capacity',
      LaunchesFailed: 2,
    });
    expect(documents[1]).toMatchObject({
      _aws: { CloudWatchMetrics: [{ Metrics: [{ Name: 'DecisionLatency', Unit: 'Milliseconds' }] }] },
      DecisionLatency: 180,
    });
  });
});
