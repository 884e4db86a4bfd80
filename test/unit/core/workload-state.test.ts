import { describe, expect, it } from 'vitest';
import { countLive, emptyWorkloadState, firingAlertKeys, isLive } from '../../../src/core/workload-state';
import { alertRecord, aState, aTask, isoAt } from '../factories';

describe('workload state', () => {
  it('starts empty at version 0', () => {
    expect(emptyWorkloadState('checkout-api')).toEqual({
      workload: 'checkout-api',
      version: 0,
      alerts: {},
      applied: {},
      pendingLaunches: [],
      tasks: {},
    });
  });

  it.each([
    ['running', true],
    ['drain_requested', true],
    ['draining', true],
    // A failed drain may have left the task running: it counts until ECS reports it stopped.
    ['drain_failed', true],
    ['stopped', false],
  ] as const)('counts a %s task as live: %s', (status, live) => {
    expect(isLive(aTask({ taskId: 't', status }))).toBe(live);
  });

  it('counts live tasks and pending launches per region and in total', () => {
    // Prepare
    const state = aState({
      tasks: [
        aTask({ taskId: 'a', region: 'us-west-2', status: 'running' }),
        aTask({ taskId: 'b', region: 'us-west-2', status: 'draining' }),
        aTask({ taskId: 'c', region: 'eu-west-1', status: 'stopped', stoppedAt: isoAt(-5) }),
      ],
      pendingLaunches: [
        { decisionId: 'd-1', region: 'eu-west-1', count: 3, requestedAt: isoAt(-1), attempts: 0 },
        { decisionId: 'd-2', region: 'us-west-2', count: 1, requestedAt: isoAt(-1), attempts: 0 },
      ],
    });

    // Act
    const live = countLive(state);

    // Assess
    expect(live.total).toBe(6);
    expect(Object.fromEntries(live.byRegion)).toEqual({ 'us-west-2': 3, 'eu-west-1': 3 });
  });

  it('lists the firing alert keys, sorted, leaving resolved ones out', () => {
    const state = aState({
      alerts: {
        'am:b': alertRecord('firing', -1),
        'am:c': alertRecord('resolved', -1),
        'am:a': alertRecord('firing', -2),
      },
    });
    expect(firingAlertKeys(state)).toEqual(['am:a', 'am:b']);
  });
});
