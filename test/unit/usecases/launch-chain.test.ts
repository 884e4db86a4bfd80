import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RunBurstTasksRequest } from '../../../src/adapters/burst-compute';
import { RunTaskError } from '../../../src/adapters/burst-compute';
import { AdapterError } from '../../../src/adapters/errors';
import { countLive, type PendingLaunch } from '../../../src/core/workload-state';
import { carryOut } from '../../../src/usecases/carry-out';
import type { Document } from '../factories';
import { aConfig, aState, aTask, burstRegionDoc, isoAt, T0_ISO, workloadDoc } from '../factories';
import { fakeDecideDeps } from '../fakes';

const missingCluster = () =>
  new RunTaskError(
    'missing_cluster',
    Object.assign(new Error('Cluster not found.'), { name: 'ClusterNotFoundException' }),
  );

function setup(overrides: Document = {}) {
  const config = aConfig({ workloads: [workloadDoc(overrides)], signals: {} });
  const workload = config.workloads[0];
  if (!workload) throw new Error('no workload');
  return { workload, deps: fakeDecideDeps(config) };
}

const pending = (fields: Partial<PendingLaunch> & { region: string; count: number }): PendingLaunch => ({
  decisionId: 'd-abc',
  requestedAt: T0_ISO,
  attempts: 0,
  ...fields,
});

const lane = (r: RunBurstTasksRequest) => `${r.burstRegion.region}/${r.capacity}/${r.count}`;

describe('launching with Spot, on demand and other regions to fall back on', () => {
  it('retries Spot without capacity on demand in the same region, then moves what is still missing to the next region', async () => {
    // Prepare: Spot in us-west-2 has nothing; on demand there has room for 3 of 5
    const { workload, deps } = setup({
      burstRegions: [
        burstRegionDoc('us-west-2', { fargateSpot: { onDemandBase: 0 } }),
        burstRegionDoc('eu-west-1'),
      ],
      maxBurstTasks: 10,
    });
    deps.store.put(
      aState({ version: 3, pendingLaunches: [pending({ region: 'us-west-2', count: 5, spot: 5 })] }),
    );
    deps.compute.answer = (r) =>
      r.burstRegion.region !== 'us-west-2'
        ? undefined
        : deps.compute.startAll(r, r.capacity === 'spot' ? 0 : 3);

    // Act
    await carryOut(workload, deps);

    // Assess
    expect(deps.compute.requests.map(lane)).toEqual([
      'us-west-2/spot/5',
      'us-west-2/on_demand/5',
      'eu-west-1/on_demand/2',
    ]);
    expect(new Set(deps.compute.requests.map((r) => r.clientToken)).size).toBe(3);
    const state = deps.store.get('checkout-api');
    expect(state.pendingLaunches).toEqual([]);
    const tasks = Object.values(state.tasks);
    expect(tasks.map((t) => `${t.region}/${t.capacity}/${t.decisionId}`).sort()).toEqual([
      'eu-west-1/on_demand/d-abc',
      'eu-west-1/on_demand/d-abc',
      'us-west-2/on_demand/d-abc',
      'us-west-2/on_demand/d-abc',
      'us-west-2/on_demand/d-abc',
    ]);
    expect(deps.store.committedDecisions.map((d) => d.reason)).toEqual([
      'RunTask in us-west-2 started 3 of 5 task(s) for decision d-abc: Capacity is unavailable at this time. ' +
        'Please try again later or in a different availability zone; Spot had no capacity in us-west-2 for 5 task(s); ' +
        '3 on demand in us-west-2; region us-west-2 failing (1 failed launch(es) in a row; the circuit opens at 3); ' +
        '2 moved to eu-west-1',
    ]);
    expect(deps.store.regionHealth.get('us-west-2')?.consecutiveFailures).toBe(1);
    expect(deps.store.regionHealth.has('eu-west-1')).toBe(false);
  });

  it('starts a move back only where and how it was placed: no on-demand retry, no other region', async () => {
    // Prepare: a move back onto Spot (stayPut) and one to a region that turns out to be full
    const { workload, deps } = setup({
      burstRegions: [
        burstRegionDoc('us-west-2', { fargateSpot: { onDemandBase: 0 } }),
        burstRegionDoc('eu-west-1'),
      ],
      maxBurstTasks: 10,
    });
    deps.store.put(
      aState({
        version: 3,
        pendingLaunches: [
          pending({ decisionId: 'd-spot', region: 'us-west-2', count: 1, spot: 1, stayPut: true }),
          pending({ decisionId: 'd-home', region: 'eu-west-1', count: 1, stayPut: true }),
        ],
      }),
    );
    deps.compute.answer = (r) => deps.compute.startAll(r, 0);

    // Act
    await carryOut(workload, deps);

    // Assess: each tried once as placed, nothing started anywhere else, nothing left pending
    expect(deps.compute.requests.map(lane).sort()).toEqual(['eu-west-1/on_demand/1', 'us-west-2/spot/1']);
    const state = deps.store.get('checkout-api');
    expect(state.pendingLaunches).toEqual([]);
    expect(countLive(state).total).toBe(0);
  });

  it('records Spot tasks as Spot and reports nothing when Spot has the capacity', async () => {
    // Prepare: a launch of 4 with 2 on Spot
    const { workload, deps } = setup({
      burstRegions: [burstRegionDoc('us-west-2', { fargateSpot: { onDemandBase: 2 } })],
    });
    deps.store.put(
      aState({ version: 3, pendingLaunches: [pending({ region: 'us-west-2', count: 4, spot: 2 })] }),
    );

    // Act
    await carryOut(workload, deps);

    // Assess
    expect(deps.compute.requests.map(lane)).toEqual(['us-west-2/on_demand/2', 'us-west-2/spot/2']);
    const capacities = Object.values(deps.store.get('checkout-api').tasks).map((t) => t.capacity);
    expect(capacities.sort()).toEqual(['on_demand', 'on_demand', 'spot', 'spot']);
    expect(deps.store.committedDecisions).toEqual([]);
  });

  it('keeps the region healthy when on demand makes up for Spot, and says so in the log', async () => {
    // Prepare: the region had failed once before
    const { workload, deps } = setup({
      burstRegions: [
        burstRegionDoc('us-west-2', { fargateSpot: { onDemandBase: 0 } }),
        burstRegionDoc('eu-west-1'),
      ],
    });
    deps.store.regionHealth.set('us-west-2', {
      region: 'us-west-2',
      consecutiveFailures: 1,
      lastFailure: 'RESOURCE:ENI',
      updatedAt: isoAt(-600),
    });
    deps.store.put(
      aState({ version: 3, pendingLaunches: [pending({ region: 'us-west-2', count: 2, spot: 2 })] }),
    );
    deps.compute.answer = (r) => (r.capacity === 'spot' ? deps.compute.startAll(r, 0) : undefined);

    // Act
    await carryOut(workload, deps);

    // Assess: everything placed in the region, so its breaker closes
    expect(deps.compute.requests.map(lane)).toEqual(['us-west-2/spot/2', 'us-west-2/on_demand/2']);
    expect(deps.store.regionHealth.get('us-west-2')).toEqual({
      region: 'us-west-2',
      consecutiveFailures: 0,
      updatedAt: T0_ISO,
    });
    expect(deps.store.committedDecisions.map((d) => d.reason)).toEqual([
      'RunTask in us-west-2 started 2 of 2 task(s) for decision d-abc: Capacity is unavailable at this time. ' +
        'Please try again later or in a different availability zone; Spot had no capacity in us-west-2 for 2 task(s); ' +
        '2 on demand in us-west-2',
    ]);
  });

  it('moves the whole launch when the region has no cluster, without trying Spot on demand there', async () => {
    // Prepare
    const { workload, deps } = setup({
      burstRegions: [
        burstRegionDoc('us-west-2', { fargateSpot: { onDemandBase: 0 } }),
        burstRegionDoc('eu-west-1'),
      ],
    });
    deps.store.put(
      aState({ version: 3, pendingLaunches: [pending({ region: 'us-west-2', count: 2, spot: 2 })] }),
    );
    deps.compute.answer = (r) => {
      if (r.burstRegion.region === 'us-west-2') throw missingCluster();
      return undefined;
    };

    // Act
    await carryOut(workload, deps);

    // Assess
    expect(deps.compute.requests.map(lane)).toEqual(['us-west-2/spot/2', 'eu-west-1/on_demand/2']);
    expect(Object.values(deps.store.get('checkout-api').tasks).map((t) => t.region)).toEqual([
      'eu-west-1',
      'eu-west-1',
    ]);
    expect(deps.store.committedDecisions[0]?.reason).toBe(
      'RunTask in us-west-2 started 0 of 2 task(s) for decision d-abc: ecs RunTask failed: ClusterNotFoundException: ' +
        'Cluster not found.; region us-west-2 failing (1 failed launch(es) in a row; the circuit opens at 3); 2 moved to eu-west-1',
    );
  });

  it('follows the chain past a second failing region without going back to the first', async () => {
    // Prepare: us-west-2 and eu-west-1 both lack capacity
    const { workload, deps } = setup({
      burstRegions: [
        burstRegionDoc('us-west-2'),
        burstRegionDoc('eu-west-1'),
        burstRegionDoc('ap-southeast-2'),
      ],
    });
    deps.store.put(aState({ version: 3, pendingLaunches: [pending({ region: 'us-west-2', count: 3 })] }));
    deps.compute.answer = (r) =>
      r.burstRegion.region === 'ap-southeast-2' ? undefined : deps.compute.startAll(r, 0);

    // Act
    await carryOut(workload, deps);

    // Assess
    expect(deps.compute.requests.map(lane)).toEqual([
      'us-west-2/on_demand/3',
      'eu-west-1/on_demand/3',
      'ap-southeast-2/on_demand/3',
    ]);
    const state = deps.store.get('checkout-api');
    expect(countLive(state).byRegion).toEqual(new Map([['ap-southeast-2', 3]]));
    expect(state.pendingLaunches).toEqual([]);
    expect(deps.store.committedDecisions.map((d) => d.reason.split(': ').slice(1).join(': '))).toEqual([
      expect.stringMatching(/region us-west-2 failing .*; 3 moved to eu-west-1$/),
      expect.stringMatching(/region eu-west-1 failing .*; 3 moved to ap-southeast-2$/),
    ]);
  });

  it('moves only what fits under the maxes of the re-read state, and says what it could not start', async () => {
    // Prepare: eu-west-1 has room for 1 more; the workload's max leaves room for 3 in total
    const { workload, deps } = setup({
      burstRegions: [burstRegionDoc('us-west-2'), burstRegionDoc('eu-west-1', { maxTasks: 2 })],
      maxBurstTasks: 6,
    });
    deps.store.put(
      aState({
        version: 3,
        tasks: [
          aTask({ taskId: 'e1', region: 'eu-west-1' }),
          aTask({ taskId: 'w1' }),
          aTask({ taskId: 'w2' }),
        ],
        pendingLaunches: [pending({ region: 'us-west-2', count: 3 })],
      }),
    );
    deps.compute.answer = (r) =>
      r.burstRegion.region === 'us-west-2' ? deps.compute.startAll(r, 0) : undefined;

    // Act
    await carryOut(workload, deps);

    // Assess
    const state = deps.store.get('checkout-api');
    expect(countLive(state).byRegion).toEqual(
      new Map([
        ['eu-west-1', 2],
        ['us-west-2', 2],
      ]),
    );
    expect(deps.store.committedDecisions[0]?.reason).toMatch(
      /; 1 moved to eu-west-1; 2 not started: no other burst region can take them$/,
    );
    expect(deps.store.committedDecisions[0]?.candidates?.map((c) => [c.region, c.chosen, c.skipped])).toEqual(
      [
        ['us-west-2', 0, 'excluded: its launch just failed'],
        ['eu-west-1', 1, undefined],
      ],
    );
  });

  it('moves nothing once the workload is at a maxBurstTasks lowered since the launch was decided', async () => {
    // Prepare: 4 live and 2 pending under a max that is now 4; eu-west-1 alone has room for 2
    const { workload, deps } = setup({ maxBurstTasks: 4 });
    deps.store.put(
      aState({
        version: 3,
        tasks: ['us-west-2', 'us-west-2', 'eu-west-1', 'eu-west-1'].map((region, i) =>
          aTask({ taskId: `t${i}`, region }),
        ),
        pendingLaunches: [pending({ region: 'us-west-2', count: 2 })],
      }),
    );
    deps.compute.answer = (r) => deps.compute.startAll(r, 0);

    // Act
    await carryOut(workload, deps);

    // Assess
    expect(deps.compute.requests.map(lane)).toEqual(['us-west-2/on_demand/2']);
    expect(countLive(deps.store.get('checkout-api')).total).toBe(4);
    expect(deps.store.committedDecisions[0]?.reason).toMatch(
      /; 2 not started: no other burst region can take them$/,
    );
  });

  it('gives a launch moved into a region the decision already launched in tokens of its own', async () => {
    // Prepare: the decision placed 2 in each region; us-west-2 has no capacity
    const { workload, deps } = setup({ maxBurstTasks: 6 });
    deps.store.put(
      aState({
        version: 3,
        pendingLaunches: [
          pending({ region: 'us-west-2', count: 2 }),
          pending({ region: 'eu-west-1', count: 2 }),
        ],
      }),
    );
    deps.compute.answer = (r) =>
      r.burstRegion.region === 'us-west-2' ? deps.compute.startAll(r, 0) : undefined;

    // Act
    await carryOut(workload, deps);

    // Assess: 2 of the decision's own and 2 moved, all started
    const eu = deps.compute.requests.filter((r) => r.burstRegion.region === 'eu-west-1');
    expect(eu.map((r) => r.count)).toEqual([2, 2]);
    expect(new Set(eu.map((r) => r.clientToken)).size).toBe(2);
    const state = deps.store.get('checkout-api');
    expect(countLive(state).byRegion).toEqual(new Map([['eu-west-1', 4]]));
    expect(state.pendingLaunches).toEqual([]);
  });

  it('drops the launch with a report on a permanent error, without moving it or blaming the region', async () => {
    // Prepare
    const { workload, deps } = setup();
    deps.store.put(aState({ version: 3, pendingLaunches: [pending({ region: 'us-west-2', count: 2 })] }));
    deps.compute.throwNext.push(
      new AdapterError('ecs RunTask failed: AccessDeniedException: not authorized', 'ecs', 'RunTask', {
        retryable: false,
      }),
    );

    // Act
    await carryOut(workload, deps);

    // Assess
    expect(deps.compute.requests).toHaveLength(1);
    expect(deps.store.get('checkout-api').pendingLaunches).toEqual([]);
    expect(deps.store.regionHealth.size).toBe(0);
    expect(deps.store.committedDecisions.map((d) => d.reason)).toEqual([
      'RunTask in us-west-2 started 0 of 2 task(s) for decision d-abc: ecs RunTask failed: AccessDeniedException: ' +
        'not authorized (permanent: fix the configuration or permissions)',
    ]);
  });

  it('sends a 5xx fault back to the queue three times, and moves the launch on the fourth try', async () => {
    // Prepare
    const { workload, deps } = setup();
    deps.store.put(aState({ version: 3, pendingLaunches: [pending({ region: 'us-west-2', count: 2 })] }));
    deps.compute.answer = (r) => {
      if (r.burstRegion.region === 'us-west-2')
        throw Object.assign(new Error('ecs RunTask failed: ServerException: oops'), {
          name: 'ServerException',
        });
      return undefined;
    };

    // Act
    const outcomes: string[] = [];
    for (let invocation = 0; invocation < 4; invocation++) {
      outcomes.push(
        await carryOut(workload, deps).then(
          () => 'done',
          (e: Error) => e.message,
        ),
      );
    }

    // Assess
    expect(outcomes).toEqual([
      'ecs RunTask failed: ServerException: oops',
      'ecs RunTask failed: ServerException: oops',
      'ecs RunTask failed: ServerException: oops',
      'done',
    ]);
    expect(countLive(deps.store.get('checkout-api')).byRegion).toEqual(new Map([['eu-west-1', 2]]));
    expect(deps.store.regionHealth.get('us-west-2')?.consecutiveFailures).toBe(1);
  });

  it('never starts more than maxBurstTasks in total nor a region max, whatever fails where', () => {
    const region = fc.constantFrom('us-west-2', 'eu-west-1', 'ap-southeast-2');
    const behaviour = fc.oneof(
      fc.constant({ kind: 'ok' as const }),
      fc.record({ kind: fc.constant('partial' as const), started: fc.integer({ min: 0, max: 9 }) }),
      fc.constant({ kind: 'missing' as const }),
      fc.constant({ kind: 'throttled' as const }),
    );
    return fc.assert(
      fc.asyncProperty(
        fc.record({
          maxes: fc.tuple(
            fc.integer({ min: 1, max: 8 }),
            fc.integer({ min: 1, max: 8 }),
            fc.integer({ min: 1, max: 8 }),
          ),
          max: fc.integer({ min: 1, max: 15 }),
          live: fc.tuple(fc.nat(8), fc.nat(8), fc.nat(8)),
          launches: fc.array(
            fc.record({ region, count: fc.integer({ min: 1, max: 12 }), spot: fc.nat(12) }),
            {
              maxLength: 3,
            },
          ),
          behaviours: fc.dictionary(
            fc.constantFrom(
              'us-west-2/spot',
              'us-west-2/on_demand',
              'eu-west-1/spot',
              'eu-west-1/on_demand',
              'ap-southeast-2/spot',
              'ap-southeast-2/on_demand',
            ),
            behaviour,
          ),
        }),
        async ({ maxes, max, live, launches, behaviours }) => {
          // Prepare: a valid state (within the bounds) with launches pending, as decisions leave them
          const names = ['us-west-2', 'eu-west-1', 'ap-southeast-2'];
          const { workload, deps } = setup({
            burstRegions: names.map((name, i) =>
              burstRegionDoc(name, { maxTasks: maxes[i], fargateSpot: { onDemandBase: 1 } }),
            ),
            maxBurstTasks: max,
          });
          const byRegion = new Map<string, number>();
          const tasks = [];
          let total = 0;
          for (const [i, name] of names.entries()) {
            const n = Math.min(live[i] ?? 0, maxes[i] ?? 0, max - total);
            for (let k = 0; k < n; k++) tasks.push(aTask({ taskId: `${name}-${k}`, region: name }));
            byRegion.set(name, n);
            total += n;
          }
          const pendingLaunches: PendingLaunch[] = [];
          for (const [i, launch] of launches.entries()) {
            const room = Math.min(
              (maxes[names.indexOf(launch.region)] ?? 0) - (byRegion.get(launch.region) ?? 0),
              max - total,
            );
            const count = Math.min(launch.count, room);
            if (count <= 0) continue;
            pendingLaunches.push(
              pending({
                decisionId: `d-${i}`,
                region: launch.region,
                count,
                spot: Math.min(launch.spot, count),
              }),
            );
            byRegion.set(launch.region, (byRegion.get(launch.region) ?? 0) + count);
            total += count;
          }
          deps.store.put(aState({ version: 1, tasks, pendingLaunches }));
          deps.compute.answer = (r) => {
            const b = behaviours[`${r.burstRegion.region}/${r.capacity}`] ?? { kind: 'ok' };
            if (b.kind === 'missing') throw missingCluster();
            if (b.kind === 'throttled') deps.compute.throttleCalls = 1;
            return b.kind === 'partial' ? deps.compute.startAll(r, Math.min(b.started, r.count)) : undefined;
          };

          // Act: carried out until nothing is pending or a retry would be needed
          for (let round = 0; round < 3; round++) await carryOut(workload, deps).catch(() => undefined);

          // Assess: against the state and against what ECS started
          const state = deps.store.get('checkout-api');
          const counted = countLive(state);
          expect(counted.total).toBeLessThanOrEqual(max);
          for (const [i, name] of names.entries())
            expect(counted.byRegion.get(name) ?? 0).toBeLessThanOrEqual(maxes[i] ?? 0);
          const started = deps.compute.startedTaskArns();
          expect(started.length + tasks.length).toBeLessThanOrEqual(max);
          for (const [i, name] of names.entries()) {
            const here = started.filter((arn) => arn.includes(`:${name}:`)).length;
            expect(here + tasks.filter((t) => t.region === name).length).toBeLessThanOrEqual(maxes[i] ?? 0);
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});
