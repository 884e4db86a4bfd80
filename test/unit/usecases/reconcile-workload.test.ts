import { describe, expect, it } from 'vitest';
import type { WorkloadConfig } from '../../../src/config/schema';
import { adoptOrphans } from '../../../src/usecases/adopt-orphans';
import { reconcileAll, reconcileWorkload } from '../../../src/usecases/reconcile';
import { checkStuckDrains, STUCK_DRAIN_GRACE_SECONDS } from '../../../src/usecases/stuck-drains';
import {
  aConfig,
  alertRecord,
  aState,
  aTask,
  burstRegionDoc,
  isoAt,
  T0_ISO,
  taskArnOf,
  workloadDoc,
} from '../factories';
import { drainStateMachineArn, type FakeReconcileDeps, fakeReconcileDeps } from '../fakes';

const LATENCY = 'alertmanager:fp-latency';
const TARGET_GROUP =
  'arn:aws:elasticloadbalancing:us-west-2:123456789012:targetgroup/checkout/0123456789abcdef';

function setup(overrides: Record<string, unknown> = {}): {
  workload: WorkloadConfig;
  deps: FakeReconcileDeps;
} {
  const config = aConfig({
    workloads: [
      workloadDoc(overrides),
      workloadDoc({ name: 'search-api', burstRegions: [burstRegionDoc('eu-west-1')] }),
    ],
    signals: {},
  });
  const [workload] = config.workloads;
  if (!workload) throw new Error('no workload');
  return { workload, deps: fakeReconcileDeps(config) };
}

const tags = (workload: string, decision: string, environment = 'local') => ({
  'spillway:workload': workload,
  'spillway:environment': environment,
  'spillway:decision': decision,
  'spillway:home-site': 'onprem-dc1',
});

const listed = (taskId: string, tagSet: Record<string, string>, region = 'us-west-2') => ({
  region,
  cluster: 'spillway-burst',
  taskArn: taskArnOf(region, 'spillway-burst', taskId),
  lastStatus: 'RUNNING',
  tags: tagSet,
});

describe('adoptOrphans (reconcile)', () => {
  it('records tagged tasks missing from state: as capacity while short of the aim, else for draining', async () => {
    // Prepare: the workload aims for 2 and has 1; three of its tasks are unknown to the state
    const { workload, deps } = setup();
    deps.store.put(
      aState({
        version: 4,
        desiredTasks: 2,
        alerts: { [LATENCY]: alertRecord('firing', -600) },
        tasks: [aTask({ taskId: 'a' })],
      }),
    );
    deps.compute.spillwayTasks.push(
      listed('a', tags('checkout-api', 'd-1')),
      listed('o1', tags('checkout-api', 'd-lost')),
      listed('o2', tags('checkout-api', 'd-lost')),
      listed('x1', tags('search-api', 'd-9')),
      listed('x2', tags('checkout-api', 'd-9', 'prod')),
    );

    // Act
    const adopted = await adoptOrphans(workload, deps);

    // Assess
    expect(adopted).toBe(2);
    const state = deps.store.get('checkout-api');
    expect(Object.values(state.tasks).map((t) => [t.taskId, t.status, t.decisionId])).toEqual([
      ['a', 'running', 'd-000000000000000000000000'],
      ['o1', 'running', 'd-lost'],
      ['o2', 'drain_requested', 'd-lost'],
    ]);
    expect(state.tasks.o2?.drainRequestedAt).toBe(T0_ISO);
    expect(deps.store.committedDecisions.map((d) => d.reason)).toEqual([
      'reconciler found 2 tagged task(s) missing from state: o1 (us-west-2) adopted as capacity; o2 (us-west-2) to be drained',
    ]);
    expect(deps.log.messages('warn')).toEqual(['orphaned burst tasks recorded']);
  });

  it('counts nothing adopted when another reconciler recorded the orphans first', async () => {
    // Prepare: one orphan, which a second reconciler records while this one writes
    const { workload, deps } = setup();
    deps.store.put(aState({ version: 4, desiredTasks: 1, tasks: [] }));
    deps.compute.spillwayTasks.push(listed('o1', tags('checkout-api', 'd-lost')));
    deps.store.beforeCommit = () => {
      deps.store.beforeCommit = undefined;
      deps.store.put(
        aState({ version: 5, desiredTasks: 1, tasks: [aTask({ taskId: 'o1', decisionId: 'd-lost' })] }),
      );
    };

    // Act
    const adopted = await adoptOrphans(workload, deps);

    // Assess: the write that lost adopted nothing, and the retry found nothing left to adopt
    expect(adopted).toBe(0);
    expect(deps.store.commits.map((c) => c.ok)).toEqual([false]);
  });

  it('leaves the tasks of a launch still pending to that launch', async () => {
    // Prepare
    const { workload, deps } = setup();
    deps.store.put(
      aState({
        version: 4,
        pendingLaunches: [
          { decisionId: 'd-pending', region: 'us-west-2', count: 1, requestedAt: isoAt(-30), attempts: 1 },
        ],
      }),
    );
    deps.compute.spillwayTasks.push(listed('p1', tags('checkout-api', 'd-pending')));

    // Act
    const adopted = await adoptOrphans(workload, deps);

    // Assess
    expect(adopted).toBe(0);
    expect(deps.store.get('checkout-api').tasks).toEqual({});
    expect(deps.store.commits).toEqual([]);
  });
});

describe('checkStuckDrains (reconcile)', () => {
  it('records drains whose execution ended without writing the ledger, and restarts missing ones', async () => {
    // Prepare: drainSeconds 30, so a drain is looked at after 30 + grace seconds
    const { workload, deps } = setup();
    const overdue = isoAt(-(30 + STUCK_DRAIN_GRACE_SECONDS));
    const execution = (name: string) =>
      `${drainStateMachineArn('us-west-2').replace(':stateMachine:', ':execution:')}:${name}`;
    const draining = (taskId: string, drainRequestedAt: string) =>
      aTask({ taskId, status: 'draining', drainRequestedAt, drainExecution: execution(taskId) });
    deps.store.put(
      aState({
        version: 4,
        tasks: [
          draining('failed', overdue),
          draining('gone', overdue),
          draining('slow', overdue),
          draining('young', isoAt(-60)),
        ],
      }),
    );
    deps.drains.statuses.set(execution('failed'), 'FAILED');
    deps.drains.statuses.set(execution('gone'), 'missing');

    // Act
    const found = await checkStuckDrains(workload, deps);

    // Assess
    expect(found).toBe(2);
    const tasks = deps.store.get('checkout-api').tasks;
    expect([tasks.failed?.status, tasks.failed?.stopReason]).toEqual([
      'drain_failed',
      'drain execution ended FAILED',
    ]);
    expect(tasks.gone?.status).toBe('drain_requested');
    expect(tasks.slow?.status).toBe('draining');
    expect(tasks.young?.status).toBe('draining');
    expect(deps.drains.statusQueries).not.toContain(execution('young'));
  });
});

describe('reconcileWorkload', () => {
  it('registers a running task in its target group once ECS reports its address, and only once', async () => {
    // Prepare
    const { workload, deps } = setup({
      burstRegions: [
        burstRegionDoc('us-west-2', { targetGroupArn: TARGET_GROUP }),
        burstRegionDoc('eu-west-1'),
      ],
    });
    const task = aTask({ taskId: 'a', ecsStatus: 'PROVISIONING' });
    deps.store.put(
      aState({
        version: 4,
        desiredTasks: 1,
        alerts: { [LATENCY]: alertRecord('firing', -600) },
        tasks: [task],
      }),
    );
    deps.compute.ecs.set(task.taskArn, {
      taskArn: task.taskArn,
      lastStatus: 'RUNNING',
      privateIp: '10.0.1.5',
    });

    // Act
    await reconcileWorkload(workload, deps);
    await reconcileWorkload(workload, deps);

    // Assess
    expect(deps.targets.registrations).toEqual([
      { region: 'us-west-2', targetGroupArn: TARGET_GROUP, targets: [{ id: '10.0.1.5', port: 8080 }] },
    ]);
    expect(deps.store.get('checkout-api').tasks.a).toMatchObject({
      ecsStatus: 'RUNNING',
      privateIp: '10.0.1.5',
      registeredTarget: true,
    });
  });

  it('scales in once the cooldown has passed, without any new signal', async () => {
    // Prepare
    const { workload, deps } = setup();
    const a = aTask({ taskId: 'a', region: 'us-west-2', ecsStatus: 'RUNNING' });
    const b = aTask({ taskId: 'b', region: 'eu-west-1', ecsStatus: 'RUNNING' });
    deps.store.put(
      aState({
        version: 4,
        desiredTasks: 2,
        alerts: { [LATENCY]: alertRecord('resolved', -400) },
        lastScaleOutAt: isoAt(-1000),
        tasks: [a, b],
      }),
    );
    for (const t of [a, b]) deps.compute.ecs.set(t.taskArn, { taskArn: t.taskArn, lastStatus: 'RUNNING' });

    // Act
    const report = await reconcileWorkload(workload, deps);

    // Assess
    expect(report).toEqual({
      workload: 'checkout-api',
      changedTasks: 0,
      action: 'scale_in',
      reason: 'no alert firing: draining 1 task(s) (2 live, floor 0)',
    });
    expect(deps.drains.starts.map((s) => [s.region, s.input.taskArn])).toEqual([['eu-west-1', b.taskArn]]);
  });

  it('marks tasks ECS no longer runs as stopped and reports how many changed', async () => {
    // Prepare
    const { workload, deps } = setup();
    deps.store.put(aState({ version: 4, tasks: [aTask({ taskId: 'a', ecsStatus: 'RUNNING' })] }));

    // Act: the fake ECS does not know task a
    const report = await reconcileWorkload(workload, deps);

    // Assess
    expect(report.changedTasks).toBe(1);
    expect(deps.store.get('checkout-api').tasks.a).toMatchObject({
      status: 'stopped',
      stopReason: 'MISSING',
    });
  });
});

describe('reconcileAll', () => {
  it("reports one workload's failure without starving the others", async () => {
    // Prepare
    const { deps } = setup();
    deps.store.failingLoads.add('checkout-api');

    // Act
    const reports = await reconcileAll(deps);

    // Assess
    expect(reports).toEqual([
      {
        workload: 'checkout-api',
        changedTasks: 0,
        action: 'error',
        reason: 'dynamodb GetItem failed: table unavailable (checkout-api)',
      },
      {
        workload: 'search-api',
        changedTasks: 0,
        action: 'hold',
        reason: 'no alert firing and no burst tasks',
      },
    ]);
    expect(deps.log.messages('error')).toEqual(['reconcile failed']);
  });
});
