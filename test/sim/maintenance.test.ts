import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Step } from './ops';
import { schedulingOf, simulate } from './setup';
import { inOrder } from './world';

/**
 * The evacuation timer in the loop: the schedule sends a maintenance window's evacuate and end
 * commands as they fall due, whatever else is going on, and the burst comes home after the window.
 */
describe('a maintenance window under faults', () => {
  const decide: Step = { kind: 'decide', deciders: 2, reconcile: true, workflows: true };
  const steps: Step[] = [
    { kind: 'fire', workload: 0, alert: 0, severity: 'warning' },
    decide,
    ...Array.from({ length: 8 }, (_, i): Step[] => [
      { kind: 'advance', seconds: 900 },
      i === 3 ? { kind: 'crash', countdown: 3, after: true } : { kind: 'redeliver', index: i },
      decide,
    ]).flat(),
    { kind: 'resolve', workload: 0, alert: 0 },
    decide,
  ];

  it('evacuates at the window, keeps the home capacity through it, and drains back after it', async () => {
    const world = await simulate(steps, inOrder, 5);
    const checkout = world.table.decisions.filter((d) => d.workload === 'checkout-api');
    const applied = (action: string) =>
      checkout.find((d) => d.commands?.some((c) => c.action === action && c.outcome === 'applied'));
    // Sent by the schedule at the window's lead time and at its end, each applied once
    expect(applied('evacuate')?.at).toBe('2026-03-01T13:45:00.000Z');
    expect(applied('end_evacuation')?.at).toBe('2026-03-01T15:00:00.000Z');
    // Inside the window the burst only comes down to the home capacity (4), after it to none
    const inside = checkout.filter(
      (d) => d.at > '2026-03-01T13:45:00.000Z' && d.at < '2026-03-01T15:00:00.000Z',
    );
    expect(inside.filter((d) => d.action.kind === 'scale_in').every((d) => /floor 4/.test(d.reason))).toBe(
      true,
    );
    expect(Math.min(...inside.map((d) => d.liveTasks))).toBeGreaterThanOrEqual(4);
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
