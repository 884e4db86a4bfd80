import { describe, expect, it } from 'vitest';
import type { ObservedTask } from '../../../src/adapters/burst-compute';
import type { LedgerEntry } from '../../../src/adapters/drain-ledger';
import { executionArnOf } from '../../../src/adapters/drain-starter';
import type { WorkloadConfig } from '../../../src/config/schema';
import type { BurstTask } from '../../../src/core/workload-state';
import { adoptOrphans } from '../../../src/usecases/adopt-orphans';
import { drainIdOf } from '../../../src/usecases/drain-naming';
import { retryFailedDrains } from '../../../src/usecases/failed-drains';
import { foldObservations, reconcileWorkload } from '../../../src/usecases/reconcile';
import { checkStuckDrains, STUCK_DRAIN_GRACE_SECONDS } from '../../../src/usecases/stuck-drains';
import { aConfig, aState, aTask, at, isoAt, taskArnOf, workloadDoc } from '../factories';
import { drainStateMachineArn, fakeReconcileDeps } from '../fakes';

/** What ECS and the drain ledgers report, keyed by task ARN. */
function observations(ecs: readonly ObservedTask[] = [], ledger: readonly LedgerEntry[] = []) {
  return {
    ecs: new Map(ecs.map((seen) => [seen.taskArn, seen])),
    ledger: new Map(ledger.map((entry) => [entry.taskArn, entry])),
  };
}

/** A task whose drain (requested `requestedAgo` seconds ago) has started. */
function draining(taskId: string, requestedAgo = 60, spec: Partial<BurstTask> = {}): BurstTask {
  const task = aTask({ taskId, status: 'draining', drainRequestedAt: isoAt(-requestedAgo), ...spec });
  return {
    ...task,
    drainExecution: executionArnOf(drainStateMachineArn(task.region), drainIdOf('checkout-api', task)),
  };
}

const drainOf = (task: BurstTask) => drainIdOf('checkout-api', task);

describe('folding the drain ledger into the state, with drain identities', () => {
  it("takes the outcome of the task's current drain, and ignores a row an earlier drain left", () => {
    // Prepare: a's row is its own drain's; b's row is from a drain that was called off before
    const a = draining('a');
    const b = draining('b');
    const state = aState({ tasks: [a, b] });

    // Act
    const { next, changed } = foldObservations(
      state,
      observations(
        [],
        [
          { taskArn: a.taskArn, status: 'stopped', drainId: drainOf(a), stoppedAt: isoAt(-5) },
          { taskArn: b.taskArn, status: 'stopped', drainId: 'checkout-api-b-000000' },
        ],
      ),
      at(0),
    );

    // Assess
    expect(changed).toBe(1);
    expect(next.tasks.a).toMatchObject({ status: 'stopped', stoppedAt: isoAt(-5) });
    expect(next.tasks.b).toEqual(b);
  });

  it('takes a row without a drain identity (an older workflow) as the current drain', () => {
    // Prepare
    const a = draining('a');

    // Act
    const { next } = foldObservations(
      aState({ tasks: [a] }),
      observations([], [{ taskArn: a.taskArn, status: 'drain_failed', failure: 'boom' }]),
      at(0),
    );

    // Assess
    expect(next.tasks.a).toMatchObject({ status: 'drain_failed', stopReason: 'boom' });
  });

  it('changes nothing for a drain that is stopping, cancelled or still draining: the workflow and the canceller settle those', () => {
    // Prepare
    const tasks = [draining('a'), draining('b'), { ...draining('c'), status: 'cancel_requested' as const }];

    // Act
    const { changed } = foldObservations(
      aState({ tasks }),
      observations(
        [],
        [
          {
            taskArn: tasks[0]?.taskArn as string,
            status: 'stopping',
            drainId: drainOf(tasks[0] as BurstTask),
          },
          {
            taskArn: tasks[1]?.taskArn as string,
            status: 'draining',
            drainId: drainOf(tasks[1] as BurstTask),
          },
          {
            taskArn: tasks[2]?.taskArn as string,
            status: 'cancelled',
            drainId: drainOf(tasks[2] as BurstTask),
          },
        ],
      ),
      at(0),
    );

    // Assess
    expect(changed).toBe(0);
  });

  it('records a task stopped when its drain finished while it was being called off', () => {
    // Prepare
    const a = { ...draining('a'), status: 'cancel_requested' as const };

    // Act
    const { next } = foldObservations(
      aState({ tasks: [a] }),
      observations(
        [],
        [{ taskArn: a.taskArn, status: 'stopped', drainId: drainOf(a), stoppedAt: isoAt(-1) }],
      ),
      at(0),
    );

    // Assess
    expect(next.tasks.a).toMatchObject({ status: 'stopped', stoppedAt: isoAt(-1) });
  });

  it('records a task being kept stopped when ECS reports it stopped on its own', () => {
    // Prepare
    const a = { ...draining('a'), status: 'cancel_requested' as const };

    // Act
    const { next } = foldObservations(
      aState({ tasks: [a] }),
      observations([
        { taskArn: a.taskArn, lastStatus: 'STOPPED', stoppedReason: 'Essential container exited' },
      ]),
      at(0),
    );

    // Assess
    expect(next.tasks.a).toMatchObject({ status: 'stopped', stopReason: 'Essential container exited' });
  });

  it('reads the ledger for tasks being kept, so a drain that won the race is recorded', async () => {
    // Prepare
    const deps = fakeReconcileDeps(aConfig({ workloads: [workloadDoc()], signals: {} }));
    const a = { ...draining('a'), status: 'cancel_requested' as const };
    deps.store.put(aState({ version: 3, tasks: [a] }));
    // ECS is still winding the task down: only the ledger tells the drain is done.
    deps.compute.ecs.set(a.taskArn, { taskArn: a.taskArn, lastStatus: 'DEPROVISIONING' });
    deps.ledger.entries.set(a.taskArn, { taskArn: a.taskArn, status: 'stopped', drainId: drainOf(a) });

    // Act
    await reconcileWorkload(deps.config.workloads[0] as WorkloadConfig, deps);

    // Assess
    expect(deps.store.get('checkout-api').tasks.a?.status).toBe('stopped');
  });
});

describe('checkStuckDrains with cancellable drains', () => {
  const overdue = 30 + STUCK_DRAIN_GRACE_SECONDS;

  function setup() {
    const deps = fakeReconcileDeps(aConfig({ workloads: [workloadDoc()], signals: {} }));
    return { workload: deps.config.workloads[0] as WorkloadConfig, deps };
  }

  it('puts a task back to running when its drain execution ended without stopping it (it was called off)', async () => {
    // Prepare
    const { workload, deps } = setup();
    const a = draining('a', overdue, { registeredTarget: true, privateIp: '10.0.1.5' });
    deps.store.put(aState({ version: 4, tasks: [a] }));
    deps.drains.statuses.set(a.drainExecution as string, 'SUCCEEDED');
    deps.ledger.entries.set(a.taskArn, { taskArn: a.taskArn, status: 'cancelled', drainId: drainOf(a) });

    // Act
    const found = await checkStuckDrains(workload, deps);

    // Assess
    expect(found).toBe(1);
    const task = deps.store.get('checkout-api').tasks.a;
    expect(task).toMatchObject({ status: 'running', registeredTarget: false });
    expect(task?.drainExecution).toBeUndefined();
    expect(deps.log.messages('error')).toEqual([
      'drain execution ended without stopping the task; it is running again',
    ]);
  });

  it('leaves a succeeded drain whose row says stopped to the next fold', async () => {
    // Prepare: the fold read the ledger just before the workflow wrote `stopped`
    const { workload, deps } = setup();
    const a = draining('a', overdue);
    deps.store.put(aState({ version: 4, tasks: [a] }));
    deps.drains.statuses.set(a.drainExecution as string, 'SUCCEEDED');
    deps.ledger.entries.set(a.taskArn, { taskArn: a.taskArn, status: 'stopped', drainId: drainOf(a) });

    // Act
    const found = await checkStuckDrains(workload, deps);

    // Assess
    expect(found).toBe(0);
    expect(deps.store.get('checkout-api').tasks.a?.status).toBe('draining');
  });

  it('leaves tasks whose drain is being called off to the cancellation', async () => {
    // Prepare
    const { workload, deps } = setup();
    const a = { ...draining('a', overdue), status: 'cancel_requested' as const };
    deps.store.put(aState({ version: 4, tasks: [a] }));
    deps.drains.statuses.set(a.drainExecution as string, 'FAILED');

    // Act
    const found = await checkStuckDrains(workload, deps);

    // Assess
    expect(found).toBe(0);
    expect(deps.drains.statusQueries).toEqual([]);
    expect(deps.store.get('checkout-api').tasks.a?.status).toBe('cancel_requested');
  });
});

describe('adopting orphans next to drains under way', () => {
  it('counts a draining task as leaving: an orphan makes up for it while the workload is short of its aim', async () => {
    // Prepare: the aim is 2 staying tasks; one runs, one drains (an interrupted task, say)
    const deps = fakeReconcileDeps(aConfig({ workloads: [workloadDoc()], signals: {} }));
    deps.store.put(
      aState({
        version: 4,
        desiredTasks: 2,
        tasks: [aTask({ taskId: 'a' }), draining('b', 60, { interruptedAt: isoAt(-60) })],
      }),
    );
    deps.compute.spillwayTasks.push({
      region: 'us-west-2',
      cluster: 'spillway-burst',
      taskArn: taskArnOf('us-west-2', 'spillway-burst', 'o1'),
      lastStatus: 'RUNNING',
      tags: {
        'spillway:workload': 'checkout-api',
        'spillway:environment': 'local',
        'spillway:decision': 'd-lost',
        'spillway:home-site': 'onprem-dc1',
      },
    });

    // Act
    await adoptOrphans(deps.config.workloads[0] as WorkloadConfig, deps);

    // Assess
    expect(deps.store.get('checkout-api').tasks.o1?.status).toBe('running');
  });
});

describe('retrying a failed drain', () => {
  it('says which task, in the form history uses everywhere (region and short id), and why', async () => {
    // Prepare
    const deps = fakeReconcileDeps();
    const failed = aTask({
      taskId: '0123456789abcdef0123456789abcdef',
      status: 'drain_failed',
      drainFailedAt: isoAt(-3600),
      drainFailures: 1,
      stopReason: 'StopTask refused',
    });
    deps.store.put(aState({ tasks: [failed] }));

    // Act
    await retryFailedDrains(deps.config.workloads[0] as WorkloadConfig, deps);

    // Assess
    expect(deps.store.committedDecisions.map((d) => d.reason)).toEqual([
      'failed drains retried: us-west-2/01234567: drain failed 1 time(s) (StopTask refused); draining it again',
    ]);
  });
});
