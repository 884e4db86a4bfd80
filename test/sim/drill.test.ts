import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Step } from './ops';
import { schedulingOf, simulate } from './setup';
import { inOrder } from './world';

/**
 * Readiness drills in the loop: drills of checkout-api (max 6; us-west-2 at most 4, with a target
 * group; eu-west-1) sent while its alerts scale it out with concurrent deciders, reconcilers and
 * workflows. The bounds check after every step counts drill tasks in the state and in ECS.
 */
describe('readiness drills racing scale-outs', () => {
  const decide = (deciders: number): Step => ({ kind: 'decide', deciders, reconcile: true, workflows: true });
  const drill: Step = { kind: 'command', workload: 0, action: 'drill', count: 1 };
  const steps: Step[] = [
    { kind: 'fire', workload: 0, alert: 0, severity: 'warning' },
    drill,
    decide(3),
    { kind: 'fire', workload: 0, alert: 1, severity: 'critical' },
    drill,
    decide(3),
    { kind: 'advance', seconds: 61 },
    { kind: 'fire', workload: 0, alert: 2, severity: 'critical' },
    drill,
    decide(2),
    { kind: 'advance', seconds: 61 },
    decide(3),
    { kind: 'reconcile' },
    { kind: 'workflows' },
    { kind: 'advance', seconds: 121 },
    drill,
    { kind: 'crash', countdown: 4, after: true },
    decide(2),
    { kind: 'advance', seconds: 301 },
    decide(1),
    { kind: 'resolve', workload: 0, alert: 0 },
    { kind: 'resolve', workload: 0, alert: 1 },
    { kind: 'resolve', workload: 0, alert: 2 },
    decide(2),
  ];

  it('runs drills to a result without a bound ever exceeded, and ends them all', async () => {
    const world = await simulate(steps, inOrder, 3);
    const results = [...world.drillResults.values()].filter((r) => r.workload === 'checkout-api');
    // Every region has a last result, and the drills that had room ran through to their drain.
    expect(results.map((r) => r.region).sort()).toEqual(['eu-west-1', 'us-west-2']);
    const outcomes = world.table.decisions
      .filter((d) => d.workload === 'checkout-api' && d.reason.includes('readiness drill'))
      .map((d) => d.reason);
    expect(outcomes.length).toBeGreaterThan(0);
    expect(outcomes.some((reason) => /starting 1 drill task in/.test(reason))).toBe(true);
  });

  it('keeps every invariant whatever the interleaving', async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), fc.nat(), async (s, seed) => {
        await simulate(steps, schedulingOf(s), seed);
      }),
      { numRuns: Number(process.env.SIM_SCENARIO_RUNS ?? 4) },
    );
  });
});
