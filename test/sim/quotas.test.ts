import { describe, expect, it } from 'vitest';
import { FARGATE_LAUNCH_LIMITS } from '../../src/usecases/launch-pacer';
import { applyStep, type StepContext } from './ops';
import { burstRegion, simConfig } from './setup';
import { inOrder, World } from './world';

/**
 * How many calls a token bucket of `burst` tokens refilled at `perSecond` would have refused, for
 * calls at `times` (ms) each taking `cost` tokens: ECS's and Fargate's throttling, replayed.
 */
function refused(calls: readonly { at: number; cost: number }[], burst: number, perSecond: number): number {
  let tokens = burst;
  let last = calls[0]?.at ?? 0;
  let refusals = 0;
  for (const { at, cost } of [...calls].sort((a, b) => a.at - b.at)) {
    tokens = Math.min(burst, tokens + ((at - last) / 1000) * perSecond);
    last = at;
    if (tokens + 1e-9 < cost) refusals++;
    else tokens -= cost;
  }
  return refusals;
}

describe('a 200-task burst within ECS quotas', () => {
  it('evacuating 200 tasks at once paces RunTask within Fargate launch quotas', async () => {
    // Prepare: an evacuation asks for the whole home capacity in one decision
    const config = simConfig({
      maxBurstTasks: 200,
      homeCapacityTasks: 200,
      burstRegions: [burstRegion('us-west-2', 'checkout-api', { maxTasks: 200 })],
    });
    const world = new World(config, inOrder, 11);
    const context: StepContext = { original: config, onDeploy: () => {}, commandSeq: 0 };

    // Act
    await applyStep(world, { kind: 'command', workload: 0, action: 'evacuate', count: 1 }, context);
    await applyStep(world, { kind: 'decide', deciders: 3, reconcile: true, workflows: false }, context);

    // Assess: 100 at once, then 20 a second: all 200 started, none refused
    const inRegion = world.launched.filter((call) => call.region === 'us-west-2');
    expect(inRegion.reduce((sum, call) => sum + call.count, 0)).toBe(200);
    const { callBurst, callsPerSecond, taskBurst, tasksPerSecond } = FARGATE_LAUNCH_LIMITS;
    expect(
      refused(
        inRegion.map((call) => ({ at: call.at, cost: 1 })),
        callBurst,
        callsPerSecond,
      ),
    ).toBe(0);
    expect(
      refused(
        inRegion.map((call) => ({ at: call.at, cost: call.count })),
        taskBurst,
        tasksPerSecond,
      ),
    ).toBe(0);
    const span = (inRegion.at(-1)?.at ?? 0) - (inRegion[0]?.at ?? 0);
    expect(span).toBeGreaterThanOrEqual(((200 - taskBurst) / tasksPerSecond) * 1000);
  }, 120_000);

  it('paces RunTask within Fargate launch quotas and reads ECS a bounded number of times per task event', async () => {
    // Prepare: one workload that bursts 200 tasks in 100-task steps, three deciders at once
    const config = simConfig({
      maxBurstTasks: 200,
      scaleOutStep: 100,
      burstRegions: [burstRegion('us-west-2', 'checkout-api', { maxTasks: 200 })],
    });
    const world = new World(config, inOrder, 7);
    const context: StepContext = { original: config, onDeploy: () => {}, commandSeq: 0 };
    const decide3 = { kind: 'decide', deciders: 3, reconcile: true, workflows: false } as const;

    // Act: the alert fires; every task start is an ECS event the reconciler gets, at once
    await applyStep(world, { kind: 'fire', workload: 0, alert: 0, severity: 'critical' }, context);
    await applyStep(world, decide3, context);
    await applyStep(world, { kind: 'advance', seconds: 61 }, context);
    await applyStep(world, decide3, context);
    const started = world.ecs.running().filter((t) => t.tags['spillway:workload'] === 'checkout-api');
    const eventsFrom = world.calls.length;
    await Promise.all(started.map((task) => world.reconcile(world.taskEvent(task))));

    // Assess: the burst is all there, and Fargate would have refused none of its RunTasks
    expect(started).toHaveLength(200);
    const { callBurst, callsPerSecond, taskBurst, tasksPerSecond } = FARGATE_LAUNCH_LIMITS;
    // The quotas are per account and region: the burst region's calls, the floor's elsewhere aside
    const inRegion = world.launched.filter((call) => call.region === 'us-west-2');
    const runTasks = inRegion.map((call) => ({ at: call.at, cost: 1 }));
    const launchedTasks = inRegion.map((call) => ({ at: call.at, cost: call.count }));
    expect(refused(runTasks, callBurst, callsPerSecond)).toBe(0);
    expect(refused(launchedTasks, taskBurst, tasksPerSecond)).toBe(0);
    // Each task event asks ECS about that one task, never lists clusters
    const eventReads = world.calls
      .slice(eventsFrom)
      .filter((call) => call.service === 'ecs' && call.invocation.startsWith('reconcile-event'));
    expect(eventReads.filter((call) => call.operation === 'ListTasks')).toEqual([]);
    expect(eventReads.filter((call) => call.operation === 'DescribeTasks').length).toBeLessThanOrEqual(
      started.length,
    );
  }, 120_000);
});
