import { describe, expect, it } from 'vitest';
import { LocalMetrics, prometheusName } from '../../../src/local/prometheus-metrics';
import { METRICS, type MetricName } from '../../../src/usecases/metrics';
import type { StatusReport } from '../../../src/usecases/status';

describe('prometheusName', () => {
  it('spells each catalogue metric the Prometheus way, by one rule', () => {
    expect(prometheusName('SignalsAccepted')).toBe('spillway_signals_accepted_total');
    expect(prometheusName('DecisionLatency')).toBe('spillway_decision_latency_seconds');
    expect(prometheusName('BreakerOpen')).toBe('spillway_breaker_open');
  });

  it('gives every catalogue metric its own name', () => {
    const names = (Object.keys(METRICS) as MetricName[]).map(prometheusName);

    expect(new Set(names).size).toBe(names.length);
  });
});

describe('LocalMetrics', () => {
  it('exposes every catalogue metric, with the catalogue dimensions and the environment as labels', async () => {
    // Prepare
    const metrics = new LocalMetrics();
    const port = metrics.sink('local');

    // Act
    port.record('SignalsAccepted', 3, { source: 'alertmanager' });
    port.record('SignalsAccepted', 2, { source: 'alertmanager' });
    port.record('LaunchesFailed', 1, { region: 'eu-west-1', reason: 'capacity' });
    port.record('BreakerOpen', 1, { region: 'eu-west-1' });
    port.record('DecisionLatency', 180, {});
    const { body, contentType } = await metrics.expose();

    // Assess
    expect(contentType).toMatch(/^text\/plain/);
    expect(body).toContain('spillway_signals_accepted_total{environment="local",source="alertmanager"} 5');
    expect(body).toContain(
      'spillway_launches_failed_total{environment="local",region="eu-west-1",reason="capacity"} 1',
    );
    expect(body).toContain('spillway_breaker_open{environment="local",region="eu-west-1"} 1');
    // 180 ms is 0.18 s: in the 0.25 bucket, not the 0.1 one
    expect(body).toContain('spillway_decision_latency_seconds_bucket{le="0.1",environment="local"} 0');
    expect(body).toContain('spillway_decision_latency_seconds_bucket{le="0.25",environment="local"} 1');
    for (const name of Object.keys(METRICS) as MetricName[]) {
      expect(body, name).toContain(`# TYPE ${prometheusName(name)} `);
    }
  });

  it('reports burst tasks per workload, region and state from the status, zeros included', async () => {
    // Prepare
    const metrics = new LocalMetrics();
    const report = {
      environment: 'local',
      workloads: [
        {
          workload: 'checkout-api',
          burstRegions: [{ region: 'us-west-2', pending: 1 }],
          regions: { 'us-west-2': [{ status: 'running' }, { status: 'running' }, { status: 'draining' }] },
        },
      ],
    } as unknown as StatusReport;
    metrics.readBurstTasksFrom(async () => report);

    // Act
    const { body } = await metrics.expose();

    // Assess
    const series = (state: string) =>
      `spillway_burst_tasks{environment="local",workload="checkout-api",region="us-west-2",state="${state}"}`;
    expect(body).toContain(`${series('pending')} 1`);
    expect(body).toContain(`${series('running')} 2`);
    expect(body).toContain(`${series('draining')} 1`);
    expect(body).toContain(`${series('stopped')} 0`);
  });
});
