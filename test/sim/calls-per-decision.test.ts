import { describe, expect, it } from 'vitest';
import { applyStep, type StepContext } from './ops';
import { burstRegion, simConfig } from './setup';
import { inOrder, World } from './world';

/**
 * AWS calls one decide invocation makes, counted in the simulated world: each is a round trip on
 * AWS (and the emulator's main cost locally). Deterministic, so a test, not a benchmark.
 */
async function decideCalls(prepare: (world: World, context: StepContext) => Promise<void>) {
  // One on-demand region: one RunTask per launch (Spot would add a call of its own, by design).
  const config = simConfig({ burstRegions: [burstRegion('eu-west-1', 'checkout-api')] });
  const world = new World(config, inOrder, 3);
  const context: StepContext = { original: config, onDeploy: () => {}, commandSeq: 0 };
  await prepare(world, context);
  const from = world.calls.length;
  await applyStep(world, { kind: 'decide', deciders: 1, reconcile: false, workflows: false }, context);
  return world.calls.slice(from).map((c) => `${c.service}:${c.operation}`);
}

describe('AWS calls per decision', () => {
  it('a scale-out takes at most 4: read, decide-and-claim, RunTask, record', async () => {
    const calls = await decideCalls(async (world, context) => {
      await applyStep(world, { kind: 'fire', workload: 0, alert: 0, severity: 'warning' }, context);
    });
    expect(calls.filter((c) => c === 'ecs:RunTask').length).toBeGreaterThan(0);
    expect(calls.length, calls.join(' ')).toBeLessThanOrEqual(4);
  });

  it('a hold a signal caused takes at most 2: read, log', async () => {
    const calls = await decideCalls(async (world, context) => {
      await applyStep(world, { kind: 'fire', workload: 0, alert: 0, severity: 'warning' }, context);
      await applyStep(world, { kind: 'decide', deciders: 1, reconcile: false, workflows: false }, context);
      // Within the scale-out cooldown, a second alert is a hold
      await applyStep(world, { kind: 'fire', workload: 0, alert: 1, severity: 'warning' }, context);
    });
    expect(calls.length, calls.join(' ')).toBeLessThanOrEqual(2);
  });
});
