import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SpillwayConfig } from '../../src/config/schema';
import { MAX_FULL_DRAINS } from '../../src/usecases/failed-drains';
import type { Step } from './ops';
import { schedulingOf, simConfig, simulate } from './setup';
import { inOrder, type World } from './world';

/**
 * One regression scenario per defect the simulation found: fixed steps, run in call order and
 * then under a few seeded interleavings of the same steps. Each failed before its fix (the
 * closing note of the change names the invariant it broke) and must keep passing.
 */
const INTERLEAVINGS = Number(process.env.SIM_SCENARIO_RUNS ?? 4);

async function everyInterleaving(
  steps: readonly Step[],
  config: SpillwayConfig = simConfig(),
): Promise<World> {
  const world = await simulate(steps, inOrder, 1, config);
  await fc.assert(
    fc.asyncProperty(fc.scheduler(), fc.nat(), async (s, seed) => {
      await simulate(steps, schedulingOf(s), seed, config);
    }),
    { numRuns: INTERLEAVINGS },
  );
  return world;
}

const decide: Step = { kind: 'decide', deciders: 1, reconcile: false, workflows: false };
const reconcile: Step = { kind: 'reconcile' };
const workflows: Step = { kind: 'workflows' };
const advance = (seconds: number): Step => ({ kind: 'advance', seconds });
const fire = (alert: number): Step => ({ kind: 'fire', workload: 0, alert, severity: 'warning' });
const resolve = (alert: number): Step => ({ kind: 'resolve', workload: 0, alert });

const reasons = (world: World) => world.table.decisions.map((d) => d.reason).join('\n');

describe('defects the simulation found, each a scenario', () => {
  it('1. a replayed firing cannot reopen an alert whose resolution was forgotten (48 h later)', async () => {
    const world = await everyInterleaving([
      fire(0),
      decide,
      advance(61),
      resolve(0),
      decide,
      advance(49 * 3600),
      // Another alert comes and goes, so a decision writes and forgets the old resolution
      fire(1),
      decide,
      resolve(1),
      decide,
      // The first firing delivery of alert 0, replayed by an at-least-once hop upstream
      { kind: 'replay', index: 0 },
      decide,
    ]);
    expect(reasons(world)).toMatch(/older than what the workload has forgotten/);
  });

  it('1. a replayed firing cannot reopen a storm alert whose resolution was evicted', async () => {
    await everyInterleaving([
      { kind: 'storm', workload: 0, size: 300 },
      decide,
      decide,
      advance(61),
      { kind: 'resolveStorm', workload: 0 },
      decide,
      decide,
      { kind: 'replay', index: 0 },
      decide,
      decide,
    ]);
  });

  it('1. a firing alert whose resolution never arrived stops counting once silent', async () => {
    const world = await everyInterleaving(
      [fire(0), decide, advance(61), reconcile, { kind: 'lose', workload: 0, alert: 0 }],
      simConfig({ alertSilenceSeconds: 1800 }),
    );
    expect(reasons(world)).toMatch(/not sent since .* no longer counted as pressure/);
  });

  it('2. calling drains off keeps a workload within a max lowered under it', async () => {
    const world = await everyInterleaving([
      fire(0),
      decide,
      advance(61),
      reconcile,
      advance(61),
      reconcile,
      resolve(0),
      decide,
      advance(121),
      reconcile,
      { kind: 'deploy', change: 'lowerMax' },
      fire(1),
      decide,
      workflows,
      reconcile,
    ]);
    expect(reasons(world)).toMatch(/above the max/);
  });

  it('3. ten thousand distinct alerts for one workload: the state stays under 400 KB, and the burst ends', async () => {
    const world = await everyInterleaving([
      { kind: 'storm', workload: 0, size: 10_000 },
      decide,
      decide,
      decide,
      advance(61),
      reconcile,
      { kind: 'resolveStorm', workload: 0 },
      decide,
      decide,
    ]);
    expect(world.table.largestItemBytes).toBeLessThan(400 * 1024);
    expect(reasons(world)).toMatch(/summarised as storm:\d+-more-alerts/);
    expect(world.table.decisions.some((d) => (d.moreSignals?.applied ?? 0) > 0)).toBe(true);
  });

  it('4. a failed drain is retried, then compensated, never left running', async () => {
    const world = await everyInterleaving([
      fire(0),
      decide,
      advance(61),
      resolve(0),
      decide,
      advance(121),
      reconcile,
      { kind: 'failStop', calls: 2 * MAX_FULL_DRAINS + 1 },
      advance(31),
      workflows,
      reconcile,
    ]);
    expect(reasons(world)).toMatch(/drain failed 1 time\(s\).*draining it again/);
    expect(reasons(world)).toMatch(/stopping it at once through the drain workflow/);
    expect(world.logLines.some((l) => l.fields?.alarm === 'DrainFailed')).toBe(true);
    const failed = world.recorded.filter((m) => m.name === 'DrainsFailed');
    expect(failed.reduce((sum, m) => sum + m.value, 0)).toBeGreaterThanOrEqual(MAX_FULL_DRAINS);
    expect(world.recorded.some((m) => m.name === 'DrainsSucceeded')).toBe(true);
  });

  it('5. a crash between RunTask and the state write does not start the launch twice without clientToken', async () => {
    const world = await everyInterleaving([
      { kind: 'clientToken', honoured: false },
      { kind: 'crash', countdown: 1, after: true, operation: 'RunTask' },
      fire(0),
      decide,
      advance(121),
      decide,
      reconcile,
    ]);
    const started = world.ecs.runTaskCalls.reduce((sum, call) => sum + call.count, 0);
    expect(started).toBeGreaterThan(0);
    // The tasks the crashed try started are counted once, when the retry recorded them
    const counted = world.recorded
      .filter((m) => m.name === 'LaunchesStarted')
      .reduce((sum, m) => sum + m.value, 0);
    expect(counted).toBe(started);
  });

  it('5. ... nor when one of the tasks it started has already stopped before the retry', async () => {
    await everyInterleaving([
      { kind: 'clientToken', honoured: false },
      { kind: 'crash', countdown: 1, after: true, operation: 'RunTask' },
      fire(0),
      decide,
      { kind: 'kill', index: 0, event: false },
      advance(121),
      reconcile,
      decide,
    ]);
  });

  it('6. ConflictException from RunTask is permanent: not retried into the dead-letter queue', async () => {
    const world = await everyInterleaving([
      { kind: 'ecsError', name: 'ConflictException' },
      fire(0),
      decide,
      advance(61),
      decide,
      { kind: 'ecsError', name: null },
    ]);
    expect(world.sqs.deadLetters).toEqual([]);
    expect(world.logLines.some((l) => JSON.stringify(l).includes('clientToken is already used'))).toBe(true);
  });
});
