import { describe, expect, it } from 'vitest';
import { reconcileOnEvent } from '../../../src/usecases/reconcile-on-event';
import { SPOT_DRAIN_SECONDS } from '../../../src/usecases/start-drain';
import { aConfig, alertRecord, aState, aTask, fixture, isoAt, workloadDoc } from '../factories';
import { fakeReconcileDeps } from '../fakes';

const LATENCY = 'alertmanager:fp-latency';
const TASK_ID = '0f3c8e5d2b7a4c19a6e1d4b8c2f7a903';
const warning = () => fixture('ecs-events/spot-interruption.json') as Record<string, unknown>;
const stopped = () => fixture('ecs-events/task-stopped.json') as Record<string, unknown>;

/** checkout-api under pressure with one Spot task running in us-west-2, as the fixtures' events describe. */
function setup(
  drainSeconds = 300,
  task = aTask({ taskId: TASK_ID, capacity: 'spot', ecsStatus: 'RUNNING' }),
) {
  const deps = fakeReconcileDeps(aConfig({ workloads: [workloadDoc({ drainSeconds })], signals: {} }));
  deps.store.put(
    aState({
      version: 6,
      alerts: { [LATENCY]: alertRecord('firing', -900) },
      // Within the scale-out cooldown: any task started below is a replacement.
      lastScaleOutAt: isoAt(-10),
      desiredTasks: 1,
      tasks: [task],
    }),
  );
  deps.compute.ecs.set(task.taskArn, { taskArn: task.taskArn, lastStatus: 'RUNNING' });
  return { deps, task };
}

describe('a Fargate Spot interruption warning (reconcile on event)', () => {
  it('drains the task at once, within the two-minute warning, and starts its replacement', async () => {
    // Prepare
    const { deps, task } = setup(300);

    // Act
    await reconcileOnEvent(warning(), deps);

    // Assess
    const recorded = deps.store.get('checkout-api').tasks[TASK_ID];
    expect(recorded).toMatchObject({ interruptedAt: '2026-03-01T12:00:00Z', status: 'draining' });
    expect(deps.drains.starts.map((s) => [s.input.taskArn, s.input.drainSeconds])).toEqual([
      [task.taskArn, SPOT_DRAIN_SECONDS],
    ]);
    expect(deps.compute.requests.map((r) => [r.burstRegion.region, r.count])).toEqual([['us-west-2', 1]]);
    expect(deps.store.committedDecisions.map((d) => d.reason)).toContainEqual(
      expect.stringMatching(
        /^Fargate Spot interrupts 0f3c8e5d2b7a4c19a6e1d4b8c2f7a903 \(us-west-2, warned at .*\): draining it now, within 90 s/,
      ),
    );
  });

  it("keeps a drain time shorter than the warning's own", async () => {
    // Prepare
    const { deps } = setup(45);

    // Act
    await reconcileOnEvent(warning(), deps);

    // Assess
    expect(deps.drains.starts.map((s) => s.input.drainSeconds)).toEqual([45]);
  });

  it('changes nothing on a duplicate warning: one drain, one replacement', async () => {
    // Prepare
    const { deps } = setup();
    await reconcileOnEvent(warning(), deps);
    for (const taskArn of deps.compute.startedTaskArns())
      deps.compute.ecs.set(taskArn, { taskArn, lastStatus: 'RUNNING' });
    const after = deps.store.get('checkout-api');

    // Act
    await reconcileOnEvent(warning(), deps);

    // Assess
    expect(deps.drains.starts).toHaveLength(1);
    expect(deps.compute.requests).toHaveLength(1);
    expect(deps.store.get('checkout-api').tasks[TASK_ID]).toEqual(after.tasks[TASK_ID]);
  });

  it('ignores a warning delivered after the stop it announced (an older version): no drain of a stopped task', async () => {
    // Prepare: the stop (version 6) was reconciled first
    const { deps, task } = setup();
    deps.compute.ecs.set(task.taskArn, {
      taskArn: task.taskArn,
      lastStatus: 'STOPPED',
      stoppedReason: 'Your Spot Task was interrupted.',
    });
    await reconcileOnEvent(stopped(), deps);
    const after = deps.store.get('checkout-api').tasks[TASK_ID];

    // Act: the warning (version 4) arrives late
    await reconcileOnEvent(warning(), deps);

    // Assess
    expect(after?.status).toBe('stopped');
    expect(deps.store.get('checkout-api').tasks[TASK_ID]).toEqual(after);
    expect(deps.drains.starts).toEqual([]);
  });

  it('ignores a late warning even before the stop was reconciled, when ECS already reports the task stopped', async () => {
    // Prepare
    const { deps, task } = setup();
    deps.compute.ecs.set(task.taskArn, { taskArn: task.taskArn, lastStatus: 'STOPPED' });

    // Act
    await reconcileOnEvent(warning(), deps);

    // Assess: the reconciler records it stopped (and the policy replaces it), but drains nothing
    const recorded = deps.store.get('checkout-api').tasks[TASK_ID];
    expect(recorded?.status).toBe('stopped');
    expect(recorded?.interruptedAt).toBeUndefined();
    expect(deps.drains.starts).toEqual([]);
  });

  it('leaves a task already draining as it is', async () => {
    // Prepare: pressure has gone, and the task's drain is under way
    const task = aTask({
      taskId: TASK_ID,
      status: 'draining',
      drainRequestedAt: isoAt(-30),
      drainExecution: 'arn:aws:states:us-west-2:123456789012:execution:spillway-drain:x',
    });
    const { deps } = setup(300, task);
    deps.store.put({
      ...deps.store.get('checkout-api'),
      alerts: { [LATENCY]: alertRecord('resolved', -60) },
    });

    // Act
    await reconcileOnEvent(warning(), deps);

    // Assess
    expect(deps.store.get('checkout-api').tasks[TASK_ID]).toEqual({ ...task, ecsStatus: 'RUNNING' });
    expect(deps.drains.starts).toEqual([]);
    expect(deps.store.committedDecisions.filter((d) => d.reason.startsWith('Fargate Spot'))).toEqual([]);
  });
});
