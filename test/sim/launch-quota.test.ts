import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load';
import type { SpillwayConfig } from '../../src/config/schema';
import { FARGATE_LAUNCH_LIMITS, LaunchPacer } from '../../src/usecases/launch-pacer';
import { BoundsCheck, checkAccounted, checkStep } from './invariants';
import { applyStep, type Step, type StepContext } from './ops';
import { burstRegion } from './setup';
import { inOrder, type PacerTime, World } from './world';

/**
 * Issue 11: every decide instance (up to five at once) and every reconcile instance paces RunTask
 * with buckets of its own, while Fargate's launch quotas are the account's. Three workloads
 * evacuated at once ask for 500 tasks in one region; ECS here refuses what the account's buckets
 * cannot take, and each instance has only its pacer and the ThrottlingExceptions to go by.
 */
const REGION = 'us-west-2';

function quotaConfig(): SpillwayConfig {
  const workload = (name: string, tasks: number) => ({
    name,
    homeSite: 'onprem-dc1',
    burstRegions: [burstRegion(REGION, name)],
    maxBurstTasks: tasks,
    homeCapacityTasks: tasks,
    scaleOutStep: Math.min(tasks, 100),
    scaleOutCooldownSeconds: 60,
    scaleInCooldownSeconds: 120,
    drainSeconds: 30,
  });
  return parseConfig(
    {
      environment: 'local',
      controlRegion: 'us-east-1',
      sites: [{ id: 'onprem-dc1', kind: 'onprem' }],
      workloads: [workload('checkout-api', 200), workload('search-api', 200), workload('cart-api', 100)],
      signals: { alertmanager: { workloadLabel: 'workload' } },
    },
    'launch-quota',
  );
}

/** A pacer of the kind issue 11 describes: a throttle teaches it nothing. */
class DeafPacer extends LaunchPacer {
  override throttled(): void {}
}

interface Outcome {
  readonly world: World;
  /** RunTask calls the account's quotas refused. */
  readonly throttled: number;
  /** RunTask calls that started tasks. */
  readonly started: number;
  /** Tasks running once the first round of deciders has returned. */
  readonly firstRound: { readonly running: number; readonly seconds: number };
  /** From the evacuations' decide to the call that started the 500th task, in virtual seconds. */
  readonly secondsToAllRunning: number;
}

const TOTAL = 500;
const deciders: Step = { kind: 'decide', deciders: 5, reconcile: true, workflows: false };

async function burst(
  options: { readonly pacer?: (time: PacerTime) => LaunchPacer; readonly pacers?: 'shared' } = {},
  seed = 11,
): Promise<Outcome> {
  const config = quotaConfig();
  // One message per decide instance, as when the evacuations reach the queue apart; timers wake
  // sleepers in order, so the account's buckets refill exactly as far as time really went.
  const world = new World(config, inOrder, seed, undefined, {
    launchLimits: FARGATE_LAUNCH_LIMITS,
    timers: true,
    batchSize: 1,
    ...options,
  });
  const bounds = new BoundsCheck();
  const context: StepContext = { original: config, onDeploy: () => {}, commandSeq: 0 };
  const step = async (s: Step) => {
    await applyStep(world, s, context);
    checkStep(world);
    bounds.check(world);
  };
  for (const workload of config.workloads)
    world.sendCommand({
      id: `evacuate-${workload.name}`,
      workload: workload.name,
      action: 'evacuate',
      reason: 'dc1 lost',
    });
  const start = world.now;
  const running = () => world.ecs.running().length;
  let firstRound: Outcome['firstRound'] | undefined;
  // Every minute, as the event source and the schedule would: the decide instances take what is
  // visible (a message whose launch gave up comes round after its visibility timeout) and the
  // reconciler runs beside them.
  for (let minute = 0; minute < 10 && running() < TOTAL; minute++) {
    await step(deciders);
    firstRound ??= { running: running(), seconds: (world.now - start) / 1000 };
    if (running() < TOTAL) await step({ kind: 'advance', seconds: 61 });
  }
  // A call is in `calls` only once it took effect: the last RunTask there started the last tasks.
  const runTasks = world.calls.filter((c) => c.operation === 'RunTask');
  return {
    world,
    throttled: world.ecs.quotaThrottled.length,
    started: runTasks.length,
    firstRound: firstRound ?? { running: 0, seconds: 0 },
    secondsToAllRunning: ((runTasks.at(-1)?.at ?? Number.NaN) - start) / 1000,
  };
}

const seconds = (s: number) => `${s.toFixed(1)} s`;
const describeRun = (name: string, o: Outcome) =>
  `${name}: ${o.throttled} RunTask calls throttled (${o.started} started tasks); ` +
  `${o.firstRound.running} running after ${seconds(o.firstRound.seconds)}, all ${TOTAL} after ${seconds(o.secondsToAllRunning)}`;

describe('500 tasks across five concurrent deciders, each instance pacing on its own', () => {
  it('all start within the bounds, nothing lost, and the throttle response cuts the throttled calls', async () => {
    const paced = await burst();
    const deaf = await burst({ pacer: (time) => new DeafPacer(time) });
    // One pacer for every caller, as one long-running process has: what the instances fall short of
    const shared = await burst({ pacers: 'shared' });
    console.log(
      [
        describeRun('per-instance pacers', paced),
        describeRun('per-instance pacers deaf to throttles', deaf),
        describeRun('one shared pacer', shared),
      ].join('\n'),
    );

    for (const { world } of [paced, deaf, shared]) {
      expect(world.ecs.running()).toHaveLength(TOTAL);
      checkAccounted(world);
      expect(world.sqs.deadLetters).toEqual([]);
    }
    // The model agrees with the pacer: one pacer for all is never refused, and keeps the quota's
    // own pace, 100 at once and then 20 a second
    const { taskBurst, tasksPerSecond } = FARGATE_LAUNCH_LIMITS;
    expect(shared.throttled).toBe(0);
    expect(shared.secondsToAllRunning).toBeGreaterThanOrEqual((TOTAL - taskBurst) / tasksPerSecond);
    expect(shared.secondsToAllRunning).toBeLessThan((TOTAL - taskBurst) / tasksPerSecond + 1);
    // Separate instances are refused, but a bounded number of times: at most one refusal for every
    // two calls that start tasks, and fewer than when a throttle teaches an instance nothing
    expect(paced.throttled).toBeGreaterThan(0);
    expect(paced.throttled).toBeLessThanOrEqual(paced.started / 2);
    expect(paced.throttled).toBeLessThan(deaf.throttled);
  }, 300_000);

  it('backs off enough that no launch gives up: all 500 run at about the quota pace, whatever the seed', async () => {
    const { taskBurst, tasksPerSecond } = FARGATE_LAUNCH_LIMITS;
    const pace = (TOTAL - taskBurst) / tasksPerSecond;
    for (let seed = 1; seed <= 8; seed++) {
      const paced = await burst({}, seed);
      expect(paced.world.ecs.running()).toHaveLength(TOTAL);
      // A launch that gave up would wait a visibility timeout (60 s) for its message to come back.
      expect(paced.secondsToAllRunning, `seed ${seed}`).toBeLessThan(pace * 1.5);
    }
  }, 300_000);
});
