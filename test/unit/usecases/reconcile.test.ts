import { describe, expect, it } from 'vitest';
import type { ObservedTask } from '../../../src/adapters/burst-compute';
import type { LedgerEntry } from '../../../src/adapters/drain-ledger';
import type { BurstTask } from '../../../src/core/workload-state';
import { foldObservations } from '../../../src/usecases/reconcile';
import { aState, aTask, at, isoAt, T0_ISO } from '../factories';

/** What ECS and the drain ledgers report, keyed by task ARN. */
function observations(ecs: readonly ObservedTask[] = [], ledger: readonly LedgerEntry[] = []) {
  return {
    ecs: new Map(ecs.map((seen) => [seen.taskArn, seen])),
    ledger: new Map(ledger.map((entry) => [entry.taskArn, entry])),
  };
}

const task = (taskId: string, spec: Partial<BurstTask> = {}) =>
  aTask({ taskId, ecsStatus: 'RUNNING', ...spec });

describe('foldObservations (reconcile)', () => {
  it('changes nothing when ECS reports what is recorded', () => {
    // Prepare
    const a = task('a', { privateIp: '10.0.1.5' });
    const state = aState({ tasks: [a] });

    // Act
    const { next, changed } = foldObservations(
      state,
      observations([{ taskArn: a.taskArn, lastStatus: 'RUNNING', privateIp: '10.0.1.5' }]),
      at(0),
    );

    // Assess
    expect(changed).toBe(0);
    expect(next).toBe(state);
  });

  it('records the ECS status and the private address once ECS reports them', () => {
    // Prepare
    const a = task('a', { ecsStatus: 'PROVISIONING' });
    const state = aState({ tasks: [a] });

    // Act
    const { next, changed } = foldObservations(
      state,
      observations([{ taskArn: a.taskArn, lastStatus: 'RUNNING', privateIp: '10.0.1.5' }]),
      at(0),
    );

    // Assess
    expect(changed).toBe(1);
    expect(next.tasks.a).toEqual({ ...a, ecsStatus: 'RUNNING', privateIp: '10.0.1.5' });
  });

  it('marks a running task that ECS reports stopped as stopped, with the reason ECS gives', () => {
    // Prepare
    const a = task('a');
    const state = aState({ tasks: [a] });

    // Act
    const { next } = foldObservations(
      state,
      observations([
        { taskArn: a.taskArn, lastStatus: 'STOPPED', stoppedReason: 'Essential container in task exited' },
      ]),
      at(0),
    );

    // Assess
    expect(next.tasks.a).toMatchObject({
      status: 'stopped',
      ecsStatus: 'STOPPED',
      stoppedAt: T0_ISO,
      stopReason: 'Essential container in task exited',
    });
  });

  it('marks a running task ECS no longer knows as stopped outside Spillway', () => {
    // Prepare
    const a = task('a');

    // Act
    const { next } = foldObservations(
      aState({ tasks: [a] }),
      observations([{ taskArn: a.taskArn, lastStatus: 'MISSING', stoppedReason: '' }]),
      at(0),
    );

    // Assess
    expect(next.tasks.a).toMatchObject({ status: 'stopped', stopReason: 'stopped outside Spillway' });
  });

  it('takes a finished drain from the ledger, with the time the workflow stopped the task', () => {
    // Prepare
    const a = task('a', { status: 'draining' });
    const b = task('b', { status: 'draining' });

    // Act
    const { next, changed } = foldObservations(
      aState({ tasks: [a, b] }),
      observations(
        [],
        [
          { taskArn: a.taskArn, status: 'stopped', stoppedAt: isoAt(-30) },
          { taskArn: b.taskArn, status: 'stopped' },
        ],
      ),
      at(0),
    );

    // Assess
    expect(changed).toBe(2);
    expect([next.tasks.a?.status, next.tasks.a?.stoppedAt]).toEqual(['stopped', isoAt(-30)]);
    expect([next.tasks.b?.status, next.tasks.b?.stoppedAt]).toEqual(['stopped', T0_ISO]);
  });

  it('takes a failed drain from the ledger, with the failure', () => {
    // Prepare
    const a = task('a', { status: 'draining' });
    const b = task('b', { status: 'draining' });

    // Act
    const { next } = foldObservations(
      aState({ tasks: [a, b] }),
      observations(
        [],
        [
          { taskArn: a.taskArn, status: 'drain_failed', failure: '{"Error":"Ecs.AccessDeniedException"}' },
          { taskArn: b.taskArn, status: 'drain_failed' },
        ],
      ),
      at(0),
    );

    // Assess
    expect([next.tasks.a?.status, next.tasks.a?.stopReason]).toEqual([
      'drain_failed',
      '{"Error":"Ecs.AccessDeniedException"}',
    ]);
    expect([next.tasks.b?.status, next.tasks.b?.stopReason]).toEqual(['drain_failed', 'drain failed']);
  });

  it('leaves a draining task to its workflow even when ECS already reports it stopped', () => {
    // Prepare
    const a = task('a', { status: 'draining' });

    // Act
    const { next } = foldObservations(
      aState({ tasks: [a] }),
      observations(
        [{ taskArn: a.taskArn, lastStatus: 'STOPPED' }],
        [{ taskArn: a.taskArn, status: 'draining' }],
      ),
      at(0),
    );

    // Assess
    expect(next.tasks.a).toEqual({ ...a, ecsStatus: 'STOPPED' });
  });

  it('marks a task whose drain failed as stopped once ECS reports it stopped', () => {
    // Prepare
    const a = task('a', { status: 'drain_failed', stopReason: 'drain failed' });

    // Act
    const { next } = foldObservations(
      aState({ tasks: [a] }),
      observations([{ taskArn: a.taskArn, lastStatus: 'STOPPED', stoppedReason: 'Task stopped by user' }]),
      at(0),
    );

    // Assess
    expect(next.tasks.a).toMatchObject({
      status: 'stopped',
      stoppedAt: T0_ISO,
      stopReason: 'Task stopped by user',
    });
  });

  it('leaves stopped tasks alone, whatever is reported about them', () => {
    // Prepare
    const a = task('a', { status: 'stopped', stoppedAt: isoAt(-100), ecsStatus: 'STOPPED' });
    const state = aState({ tasks: [a] });

    // Act
    const { next, changed } = foldObservations(
      state,
      observations(
        [{ taskArn: a.taskArn, lastStatus: 'RUNNING' }],
        [{ taskArn: a.taskArn, status: 'drain_failed' }],
      ),
      at(0),
    );

    // Assess
    expect(changed).toBe(0);
    expect(next).toBe(state);
  });

  it('does not modify the state it is given', () => {
    // Prepare
    const a = task('a');
    const state = aState({ tasks: [a] });
    const before = structuredClone(state);

    // Act
    foldObservations(state, observations([{ taskArn: a.taskArn, lastStatus: 'STOPPED' }]), at(0));

    // Assess
    expect(state).toEqual(before);
  });
});
