import { describe, expect, it } from 'vitest';
import type { DrillResult } from '../../../src/core/drill';
import { adoptOrphans } from '../../../src/usecases/adopt-orphans';
import { advanceDrills } from '../../../src/usecases/advance-drills';
import { startDrill } from '../../../src/usecases/start-drill';
import { aCommand, aConfig, aState, aTask, burstRegionDoc, isoAt, workloadDoc } from '../factories';
import { fakeReconcileDeps } from '../fakes';

const TARGET_GROUP =
  'arn:aws:elasticloadbalancing:us-west-2:123456789012:targetgroup/checkout/0123456789abcdef';

/** Drill results in memory, as the state table would keep them: the last per workload and region. */
class InMemoryDrillResults {
  readonly recorded: DrillResult[] = [];
  async record(result: DrillResult): Promise<boolean> {
    this.recorded.push(result);
    return true;
  }
  last(region: string): DrillResult | undefined {
    return this.recorded.filter((r) => r.region === region).at(-1);
  }
}

/** checkout-api bursting to us-west-2 (with a target group, deregistration delay 20 s) and eu-west-1. */
function setup(options: { targetGroup?: boolean } = {}) {
  const config = aConfig({
    workloads: [
      workloadDoc({
        drainSeconds: 5,
        burstRegions: [
          burstRegionDoc(
            'us-west-2',
            options.targetGroup ? { targetGroupArn: TARGET_GROUP, deregistrationDelaySeconds: 20 } : {},
          ),
          burstRegionDoc('eu-west-1'),
        ],
      }),
    ],
    signals: {},
  });
  const base = fakeReconcileDeps(config);
  const results = new InMemoryDrillResults();
  const health = new Map<string, string>();
  const deps = {
    ...base,
    drillResults: results,
    targets: Object.assign(base.targets, {
      health: async (_region: string, _tg: string, target: { id: string }) =>
        health.get(target.id) ?? 'initial',
    }),
  };
  const workload = config.workloads[0];
  if (!workload) throw new Error('no workload');
  const drill = aCommand({ id: 'drill-checkout-api-1', action: 'drill', reason: 'readiness drill' });
  const reconcile = async () => advanceDrills(workload, deps, await deps.store.load(workload.name));
  return { deps, results, health, workload, drill, reconcile };
}

describe('readiness drills (use cases)', () => {
  it('records a start that RunTask refused with failures[] and touches nothing else: no breaker, no fallback, no task', async () => {
    // Prepare: eu-west-1 has no capacity for the drill.
    const { deps, results, workload, drill } = setup();
    deps.compute.answer = (request) =>
      request.burstRegion.region === 'eu-west-1'
        ? { tasks: [], failures: [{ reason: 'RESOURCE:FARGATE', problem: 'capacity' }] }
        : undefined;

    // Act
    await startDrill(workload, drill, deps);

    // Assess
    expect(results.last('eu-west-1')).toMatchObject({
      outcome: 'failed',
      started: false,
      error: 'RunTask started nothing: RESOURCE:FARGATE',
    });
    expect(deps.compute.requests.map((r) => [r.burstRegion.region, r.count, r.capacity])).toEqual([
      ['us-west-2', 1, 'on_demand'],
      ['eu-west-1', 1, 'on_demand'],
    ]);
    expect(deps.compute.requests[0]?.tags).toMatchObject({
      'spillway:drill': 'drill-checkout-api-1',
      'spillway:workload': 'checkout-api',
    });
    expect(await deps.store.loadRegionHealth()).toEqual({});
    const state = await deps.store.load('checkout-api');
    expect(state.tasks).toEqual({});
    expect(state.pendingLaunches).toEqual([]);
    expect(Object.keys(state.drills ?? {})).toEqual(['us-west-2']);
    expect(state.drills?.['us-west-2']?.phase).toBe('started');
  });

  it('reserves under the state version: a scale-out committed meanwhile to the max makes the drill refused', async () => {
    // Prepare: 5 of max 6 live; before the drill's first write lands, a concurrent decision starts a 6th.
    const { deps, results, workload, drill } = setup();
    const five = ['a', 'b', 'c', 'd', 'e'].map((id) => aTask({ taskId: id }));
    deps.store.put(aState({ tasks: five }));
    let raced = false;
    deps.store.beforeCommit = () => {
      if (raced) return;
      raced = true;
      const current = aState({ tasks: [...five, aTask({ taskId: 'f' })] });
      deps.store.put({ ...current, version: current.version + 1 });
    };

    // Act
    const reservation = await startDrill(workload, drill, deps);

    // Assess: the drill was computed again against 6/6 and started nothing.
    expect(reservation.reserved).toEqual([]);
    expect(deps.compute.requests).toEqual([]);
    expect(results.recorded.map((r) => [r.region, r.outcome, r.error])).toEqual([
      ['us-west-2', 'refused', 'at maxBurstTasks (6/6): a drill never pushes the workload above its max'],
      ['eu-west-1', 'refused', 'at maxBurstTasks (6/6): a drill never pushes the workload above its max'],
    ]);
  });

  it('follows a drill through RUNNING, its target group and its drain, and records a pass with the times', async () => {
    // Prepare
    const { deps, results, health, workload, drill, reconcile } = setup({ targetGroup: true });
    await startDrill(workload, drill, deps);
    const arnIn = async (region: string) =>
      (await deps.store.load('checkout-api')).drills?.[region]?.taskArn as string;
    const west = await arnIn('us-west-2');
    const east = await arnIn('eu-west-1');

    // Act / Assess, step by step.
    deps.time.advance(20);
    deps.compute.ecs.set(west, { taskArn: west, lastStatus: 'RUNNING', privateIp: '10.0.1.5' });
    deps.compute.ecs.set(east, { taskArn: east, lastStatus: 'RUNNING' });
    await reconcile();
    expect(deps.targets.registrations).toEqual([
      { region: 'us-west-2', targetGroupArn: TARGET_GROUP, targets: [{ id: '10.0.1.5', port: 8080 }] },
    ]);
    // eu-west-1 has no target group: drained as soon as it runs.
    expect(
      deps.drains.starts.map((s) => [s.region, s.input.taskArn, s.input.drainSeconds, s.input.decisionId]),
    ).toEqual([['eu-west-1', east, 5, 'drill-checkout-api-1']]);

    deps.time.advance(10);
    await reconcile();
    expect(deps.drains.starts).toHaveLength(1);

    deps.time.advance(15);
    health.set('10.0.1.5', 'healthy');
    await reconcile();
    const westDrain = deps.drains.starts[1];
    expect(westDrain?.region).toBe('us-west-2');
    expect(westDrain?.input.target).toEqual({
      targetGroupArn: TARGET_GROUP,
      targets: [{ Id: '10.0.1.5', Port: 8080 }],
    });
    expect(westDrain?.input.drainSeconds).toBe(20);

    deps.time.advance(30);
    for (const start of deps.drains.starts)
      deps.ledger.entries.set(start.input.taskArn, {
        taskArn: start.input.taskArn,
        status: 'stopped',
        drainId: start.name,
      });
    await reconcile();

    expect(results.last('us-west-2')).toMatchObject({
      outcome: 'passed',
      started: true,
      secondsToRunning: 20,
      secondsToHealthy: 45,
      drained: true,
      error: null,
    });
    expect(results.last('eu-west-1')).toMatchObject({ outcome: 'passed', secondsToHealthy: null });
    expect((await deps.store.load('checkout-api')).drills).toBeUndefined();
  });

  it('drains a drill whose task never runs and records why it failed', async () => {
    // Prepare
    const { deps, results, workload, drill, reconcile } = setup();
    await startDrill(workload, drill, deps);
    const state = await deps.store.load('checkout-api');
    for (const run of Object.values(state.drills ?? {}))
      deps.compute.ecs.set(run.taskArn as string, { taskArn: run.taskArn as string, lastStatus: 'PENDING' });

    // Act
    deps.time.advance(601);
    await reconcile();
    for (const start of deps.drains.starts)
      deps.ledger.entries.set(start.input.taskArn, {
        taskArn: start.input.taskArn,
        status: 'stopped',
        drainId: start.name,
      });
    await reconcile();

    // Assess
    expect(deps.drains.starts).toHaveLength(2);
    expect(results.last('us-west-2')).toMatchObject({
      outcome: 'failed',
      drained: true,
      error: 'not RUNNING within 600 s (last status PENDING)',
    });
  });

  it('reports a drill whose drain failed at once, keeps it under the max until its task is drained, and counts it once', async () => {
    // Prepare: us-west-2's drill is draining when its drain fails (StopTask refused).
    const { deps, results, workload, drill } = setup();
    const failures: string[] = [];
    const withMetrics = { ...deps, metrics: { record: (name: string) => void failures.push(name) } };
    await startDrill(workload, drill, withMetrics);
    for (const run of Object.values((await deps.store.load('checkout-api')).drills ?? {}))
      deps.compute.ecs.set(run.taskArn as string, { taskArn: run.taskArn as string, lastStatus: 'RUNNING' });
    await advanceDrills(workload, withMetrics, await deps.store.load('checkout-api'));
    const [first] = deps.drains.starts;
    deps.ledger.entries.set(first?.input.taskArn as string, {
      taskArn: first?.input.taskArn as string,
      status: 'drain_failed',
      drainId: first?.name as string,
      failure: 'StopTask: AccessDenied',
    });

    // Act: the failure is seen once the pause between drains has passed; then the second drain works.
    deps.time.advance(60);
    await advanceDrills(workload, withMetrics, await deps.store.load('checkout-api'));
    const reported = results.last('us-west-2');
    const kept = (await deps.store.load('checkout-api')).drills?.['us-west-2'];
    const second = deps.drains.starts.at(-1);
    deps.ledger.entries.set(second?.input.taskArn as string, {
      taskArn: second?.input.taskArn as string,
      status: 'stopped',
      drainId: second?.name as string,
    });
    await advanceDrills(workload, withMetrics, await deps.store.load('checkout-api'));

    // Assess
    expect(reported).toMatchObject({
      outcome: 'failed',
      drained: false,
      error: 'drain failed: StopTask: AccessDenied',
    });
    expect(kept).toMatchObject({ phase: 'draining', reported: true, compensating: true });
    expect(second?.name).not.toBe(first?.name);
    expect(second?.input.drainSeconds).toBe(0);
    expect(results.last('us-west-2')).toMatchObject({ outcome: 'failed', drained: true });
    expect((await deps.store.load('checkout-api')).drills?.['us-west-2']).toBeUndefined();
    expect(failures.filter((f) => f === 'DrillsFailed')).toHaveLength(1);
  });

  it('finds a drill task whose start was interrupted among the running tasks, without listing the stopped ones', async () => {
    // Prepare: the drill started its task, but the state kept only the reservation (a crash
    // between RunTask and the write that records the task), and the grace for a start is over.
    const { deps, workload, drill } = setup();
    await startDrill(workload, drill, deps);
    const started = await deps.store.load(workload.name);
    const run = started.drills?.['us-west-2'];
    if (!run?.taskArn) throw new Error('the drill did not start in us-west-2');
    const { taskArn, ecsStatus: _status, ...reservation } = run;
    deps.store.put({
      ...started,
      drills: { 'us-west-2': { ...reservation, phase: 'starting', requestedAt: isoAt(-600) } },
    });
    deps.compute.spillwayTasks.push(...deps.compute.launched.filter((t) => t.taskArn === taskArn));
    const listed: string[] = [];
    const list = deps.compute.listStartedBySpillway.bind(deps.compute);
    deps.compute.listStartedBySpillway = async (region, cluster, status) => {
      listed.push(status ?? 'RUNNING');
      return list(region, cluster, status);
    };

    // Act
    await advanceDrills(workload, deps, await deps.store.load(workload.name));

    // Assess
    expect((await deps.store.load(workload.name)).drills?.['us-west-2']).toMatchObject({
      phase: 'started',
      taskArn,
    });
    expect(listed).toEqual(['RUNNING']);
  });

  it('never adopts a drill task as capacity, and drains one no drill owns any more', async () => {
    // Prepare: a drill task left running after its drill was given up.
    const { deps, workload } = setup();
    const taskArn = 'arn:aws:ecs:us-west-2:123456789012:task/spillway-burst/left0001';
    deps.compute.spillwayTasks.push({
      taskArn,
      lastStatus: 'RUNNING',
      region: 'us-west-2',
      cluster: 'spillway-burst',
      tags: {
        'spillway:workload': 'checkout-api',
        'spillway:environment': 'local',
        'spillway:decision': 'drill-old',
        'spillway:drill': 'drill-old',
      },
    });
    deps.store.put(aState({ desiredTasks: 3, lastScaleOutAt: isoAt(-60) }));
    const inventory = new Map([
      [
        'us-west-2\u0000spillway-burst',
        await deps.compute.listStartedBySpillway('us-west-2', 'spillway-burst'),
      ],
    ]);

    // Act
    const adopted = await adoptOrphans(workload, deps, inventory);
    await advanceDrills(workload, deps, await deps.store.load('checkout-api'), { inventory });

    // Assess
    expect(adopted).toBe(0);
    expect((await deps.store.load('checkout-api')).tasks).toEqual({});
    expect(deps.drains.starts.map((s) => [s.region, s.input.taskArn, s.input.drainSeconds])).toEqual([
      ['us-west-2', taskArn, 0],
    ]);
  });
});
