import { describe, expect, it } from 'vitest';
import { narrate } from '../../../src/local/narrator';

describe('narrate: readiness drills', () => {
  it('says what a drill did in each region, its failure in its own words', () => {
    // Act
    const lines = [
      narrate('decide', 'warn', 'drill refused', {
        workload: 'checkout-api',
        region: 'eu-west-1',
        reason: 'at maxBurstTasks (6/6): a drill never pushes the workload above its max',
      }),
      narrate('reconcile', 'info', 'drill passed', {
        workload: 'checkout-api',
        region: 'us-west-2',
        secondsToRunning: 14.2,
        secondsToHealthy: 31,
      }),
      narrate('decide', 'error', 'drill failed', {
        workload: 'checkout-api',
        region: 'eu-west-1',
        error: 'ecs RunTask failed: ClusterNotFoundException: Cluster not found.',
      }),
    ];

    // Assess
    expect(lines).toEqual([
      'checkout-api: drill in eu-west-1 refused: at maxBurstTasks (6/6): a drill never pushes the workload above its max',
      'checkout-api: drill in us-west-2 passed (RUNNING after 14.2 s, healthy after 31 s, drained)',
      'checkout-api: drill in eu-west-1 FAILED: ecs RunTask failed: ClusterNotFoundException: Cluster not found.',
    ]);
  });
});
