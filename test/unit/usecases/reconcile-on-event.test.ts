import { describe, expect, it } from 'vitest';
import { reconcileOnEvent } from '../../../src/usecases/reconcile-on-event';
import { aConfig, aState, aTask, burstRegionDoc, taskArnOf, workloadDoc } from '../factories';
import { fakeReconcileDeps } from '../fakes';

function setup() {
  const config = aConfig({
    workloads: [
      workloadDoc(),
      workloadDoc({
        name: 'search-api',
        burstRegions: [
          burstRegionDoc('eu-west-1', {
            taskDefinition: {
              family: 'search-api',
              image: 'i',
              cpu: 256,
              memoryMiB: 512,
              containerPort: 8080,
            },
          }),
        ],
      }),
    ],
    signals: {},
  });
  const deps = fakeReconcileDeps(config);
  const taskArn = taskArnOf('us-west-2', 'spillway-burst', 'dead1');
  deps.store.put(aState({ version: 3, tasks: [aTask({ taskId: 'dead1' })] }));
  deps.compute.ecs.set(taskArn, {
    taskArn,
    lastStatus: 'STOPPED',
    stoppedReason: 'Essential container exited',
  });
  return { deps, taskArn };
}

/** An ECS Task State Change event as EventBridge delivers it. */
const taskEvent = (
  taskArn: string,
  overrides: { startedBy?: string; version?: number; family?: string } = {},
) => ({
  version: '0',
  id: 'e-1',
  'detail-type': 'ECS Task State Change',
  source: 'aws.ecs',
  account: '123456789012',
  time: '2026-03-01T12:00:00Z',
  region: 'us-west-2',
  resources: [taskArn],
  detail: {
    taskArn,
    clusterArn: 'arn:aws:ecs:us-west-2:123456789012:cluster/spillway-burst',
    taskDefinitionArn: `arn:aws:ecs:us-west-2:123456789012:task-definition/${overrides.family ?? 'checkout-api'}:3`,
    lastStatus: 'STOPPED',
    desiredStatus: 'STOPPED',
    startedBy: overrides.startedBy ?? 'spillway',
    stoppedReason: 'Essential container exited',
    version: overrides.version ?? 5,
  },
});

describe('reconcileOnEvent', () => {
  it('reconciles only the workload whose burst task changed, recording the task stopped', async () => {
    // Prepare
    const { deps, taskArn } = setup();

    // Act
    const reports = await reconcileOnEvent(taskEvent(taskArn), deps);

    // Assess
    expect(reports.map((r) => r.workload)).toEqual(['checkout-api']);
    const task = deps.store.get('checkout-api').tasks.dead1;
    expect(task?.status).toBe('stopped');
    expect(task?.stopReason).toBe('Essential container exited');
  });

  it('changes nothing more on a duplicate or an older event for the same task', async () => {
    // Prepare
    const { deps, taskArn } = setup();
    await reconcileOnEvent(taskEvent(taskArn, { version: 5 }), deps);
    const after = deps.store.get('checkout-api');

    // Act
    await reconcileOnEvent(taskEvent(taskArn, { version: 5 }), deps);
    await reconcileOnEvent(taskEvent(taskArn, { version: 3 }), deps);

    // Assess
    expect(deps.store.get('checkout-api')).toEqual(after);
  });

  it('ignores tasks Spillway did not start and task definitions no workload uses', async () => {
    // Prepare
    const { deps, taskArn } = setup();

    // Act
    const foreign = await reconcileOnEvent(taskEvent(taskArn, { startedBy: 'ecs-svc/123' }), deps);
    const unknownFamily = await reconcileOnEvent(taskEvent(taskArn, { family: 'billing' }), deps);

    // Assess
    expect(foreign).toEqual([]);
    expect(unknownFamily).toEqual([]);
    expect(deps.store.get('checkout-api').tasks.dead1?.status).toBe('running');
  });

  it('reconciles every workload on a schedule tick', async () => {
    // Prepare
    const { deps } = setup();

    // Act
    const reports = await reconcileOnEvent({ 'detail-type': 'Scheduled Event', source: 'aws.events' }, deps);

    // Assess
    expect(reports.map((r) => r.workload)).toEqual(['checkout-api', 'search-api']);
  });
});
