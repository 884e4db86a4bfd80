import { describe, expect, it } from 'vitest';
import { decodeState, encodeState } from '../../../src/adapters/state-codec';
import { type DrillRun, withDrill } from '../../../src/core/drill';
import { aState, isoAt } from '../factories';

describe('a drill under way in the state item', () => {
  it('survives the state codec with every field: a field the schema lacked would be dropped on read', () => {
    // Prepare: a drill with every field set, as one whose drain failed and is drained again.
    const run: Required<DrillRun> = {
      drillId: 'drill-checkout-api-0123456789ab',
      region: 'us-west-2',
      cluster: 'spillway-burst',
      requestedAt: isoAt(0),
      requestedBy: 'sre-alice',
      phase: 'draining',
      taskArn: 'arn:aws:ecs:us-west-2:123456789012:task/spillway-burst/0123456789abcdef',
      ecsStatus: 'RUNNING',
      privateIp: '10.0.1.5',
      runningAt: isoAt(20),
      healthyAt: isoAt(45),
      registeredTarget: true,
      drainRequestedAt: isoAt(120),
      drainExecution: 'arn:aws:states:us-west-2:123456789012:execution:spillway-drain:x',
      error: 'drain failed: StopTask: AccessDenied',
      reported: true,
      compensating: true,
    };
    const state = withDrill(aState(), run.region, run);

    // Act
    const item = encodeState(state, 8);
    const read = decodeState('checkout-api', { ...item });

    // Assess
    expect(read.drills).toEqual({ 'us-west-2': run });
  });
});
