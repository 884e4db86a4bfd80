import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { placeBurstTasks } from '../../../src/core/placement';
import { aWorkload, burstRegionDoc } from '../factories';

const workload = aWorkload({
  burstRegions: [
    burstRegionDoc('us-west-2', { maxTasks: 3 }),
    burstRegionDoc('eu-west-1', { maxTasks: 2 }),
    burstRegionDoc('ap-southeast-2'),
  ],
  maxBurstTasks: 10,
});

const live = (entries: Record<string, number> = {}) => new Map(Object.entries(entries));

describe('placeBurstTasks', () => {
  it('puts everything in the first region when it has room', () => {
    expect(placeBurstTasks(workload, live(), 2)).toEqual([{ region: 'us-west-2', count: 2 }]);
  });

  it('spills what the first region cannot take to the next, in order of preference', () => {
    expect(placeBurstTasks(workload, live({ 'us-west-2': 2 }), 4)).toEqual([
      { region: 'us-west-2', count: 1 },
      { region: 'eu-west-1', count: 2 },
      { region: 'ap-southeast-2', count: 1 },
    ]);
  });

  it("bounds a region without maxTasks by the workload's maxBurstTasks", () => {
    expect(
      placeBurstTasks(workload, live({ 'us-west-2': 3, 'eu-west-1': 2, 'ap-southeast-2': 8 }), 5),
    ).toEqual([{ region: 'ap-southeast-2', count: 2 }]);
  });

  it('returns fewer tasks, or none, when every region is full', () => {
    expect(
      placeBurstTasks(workload, live({ 'us-west-2': 3, 'eu-west-1': 2, 'ap-southeast-2': 10 }), 3),
    ).toEqual([]);
  });

  it('places nothing for a count of zero', () => {
    expect(placeBurstTasks(workload, live(), 0)).toEqual([]);
  });

  it('treats a region already over its max (config lowered) as full', () => {
    expect(placeBurstTasks(workload, live({ 'us-west-2': 5 }), 1)).toEqual([
      { region: 'eu-west-1', count: 1 },
    ]);
  });

  it('never exceeds a region bound nor the count asked for', () => {
    const counts = fc.record({
      'us-west-2': fc.integer({ min: 0, max: 5 }),
      'eu-west-1': fc.integer({ min: 0, max: 5 }),
      'ap-southeast-2': fc.integer({ min: 0, max: 12 }),
    });
    fc.assert(
      fc.property(counts, fc.integer({ min: 0, max: 20 }), (running, count) => {
        const placements = placeBurstTasks(workload, live(running), count);
        const placed = placements.reduce((sum, p) => sum + p.count, 0);
        expect(placed).toBeLessThanOrEqual(count);
        for (const p of placements) {
          const max =
            workload.burstRegions.find((r) => r.region === p.region)?.maxTasks ?? workload.maxBurstTasks;
          expect(p.count).toBeGreaterThan(0);
          expect(running[p.region as keyof typeof running] + p.count).toBeLessThanOrEqual(max);
        }
      }),
    );
  });
});
