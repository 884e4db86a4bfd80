import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { placeBurstTasks, planPlacement } from '../../../src/core/placement';
import { at, aWorkload, burstRegionDoc, type Document, isoAt } from '../factories';

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

describe('planPlacement', () => {
  const three = (overrides: Record<string, Document> = {}, workloadOverrides: Document = {}) =>
    aWorkload({
      burstRegions: ['us-west-2', 'eu-west-1', 'ap-southeast-2'].map((r) =>
        burstRegionDoc(r, overrides[r] ?? {}),
      ),
      maxBurstTasks: 30,
      ...workloadOverrides,
    });

  it('ranks by preference before position, and the cheaper region wins a tie', () => {
    const workload = three({
      'us-west-2': { preference: 2, costPerTaskHour: 0.05 },
      'eu-west-1': { preference: 1, costPerTaskHour: 0.06, maxTasks: 1 },
      'ap-southeast-2': { preference: 2, costPerTaskHour: 0.04 },
    });
    const plan = planPlacement(workload, live(), 4);
    expect(plan.placements).toEqual([
      { region: 'eu-west-1', count: 1 },
      { region: 'ap-southeast-2', count: 3 },
    ]);
    expect(plan.candidates.map((c) => [c.region, c.score, c.chosen])).toEqual([
      ['eu-west-1', 1, 1],
      ['ap-southeast-2', 2, 3],
      ['us-west-2', 3, 0],
    ]);
    expect(plan.candidates[2]?.skipped).toBe('not needed');
  });

  it('skips a region whose circuit is open until the cool-off has passed, and says why', () => {
    const workload = three();
    const regionHealth = {
      'us-west-2': {
        region: 'us-west-2',
        consecutiveFailures: 3,
        openUntil: isoAt(300),
        lastFailure: 'RESOURCE:FARGATE',
        updatedAt: isoAt(0),
      },
    };
    const open = planPlacement(workload, live(), 2, { regionHealth, now: at(10) });
    expect(open.placements).toEqual([{ region: 'eu-west-1', count: 2 }]);
    expect(open.candidates.find((c) => c.region === 'us-west-2')?.skipped).toMatch(/^circuit open until/);
    const closed = planPlacement(workload, live(), 2, { regionHealth, now: at(301) });
    expect(closed.placements).toEqual([{ region: 'us-west-2', count: 2 }]);
  });

  it('leaves out excluded regions', () => {
    expect(placeBurstTasks(three(), live(), 2, { exclude: ['us-west-2'] })).toEqual([
      { region: 'eu-west-1', count: 2 },
    ]);
  });

  it('spreads new tasks so each region holds its weighted share', () => {
    const workload = three({ 'us-west-2': { weight: 2 } }, { placement: 'spread' });
    expect(placeBurstTasks(workload, live(), 8)).toEqual([
      { region: 'us-west-2', count: 4 },
      { region: 'eu-west-1', count: 2 },
      { region: 'ap-southeast-2', count: 2 },
    ]);
    // Existing tasks count: the regions below their share are filled first.
    expect(placeBurstTasks(workload, live({ 'us-west-2': 4, 'eu-west-1': 1 }), 3)).toEqual([
      { region: 'eu-west-1', count: 1 },
      { region: 'ap-southeast-2', count: 2 },
    ]);
  });

  it('keeps the first onDemandBase tasks of a region on demand and puts the rest on Spot', () => {
    const workload = three({ 'us-west-2': { fargateSpot: { onDemandBase: 2 } } });
    expect(placeBurstTasks(workload, live(), 5)).toEqual([{ region: 'us-west-2', count: 5, spot: 3 }]);
    const onDemandByRegion = live({ 'us-west-2': 2 });
    expect(placeBurstTasks(workload, live({ 'us-west-2': 3 }), 2, { onDemandByRegion })).toEqual([
      { region: 'us-west-2', count: 2, spot: 2 },
    ]);
  });

  it('in either mode, never exceeds a region bound nor the count, and never places into an open circuit', () => {
    const modes = fc.constantFrom('ordered', 'spread');
    const counts = fc.record({
      'us-west-2': fc.integer({ min: 0, max: 8 }),
      'eu-west-1': fc.integer({ min: 0, max: 8 }),
      'ap-southeast-2': fc.integer({ min: 0, max: 8 }),
    });
    fc.assert(
      fc.property(
        modes,
        counts,
        fc.integer({ min: 0, max: 20 }),
        fc.subarray(['us-west-2', 'eu-west-1', 'ap-southeast-2']),
        fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 3, maxLength: 3 }),
        (placement, running, count, openRegions, weights) => {
          const workload = three(
            {
              'us-west-2': { maxTasks: 6, weight: weights[0] },
              'eu-west-1': { maxTasks: 4, weight: weights[1], fargateSpot: { onDemandBase: 1 } },
              'ap-southeast-2': { weight: weights[2] },
            },
            { placement, maxBurstTasks: 10 },
          );
          const regionHealth = Object.fromEntries(
            openRegions.map((region) => [
              region,
              { region, consecutiveFailures: 3, openUntil: isoAt(60), updatedAt: isoAt(0) },
            ]),
          );
          const plan = planPlacement(workload, live(running), count, { regionHealth, now: at(0) });
          const placed = plan.placements.reduce((sum, p) => sum + p.count, 0);
          expect(placed).toBeLessThanOrEqual(count);
          for (const p of plan.placements) {
            const max =
              workload.burstRegions.find((r) => r.region === p.region)?.maxTasks ?? workload.maxBurstTasks;
            expect(p.count).toBeGreaterThan(0);
            expect(openRegions).not.toContain(p.region);
            expect(running[p.region as keyof typeof running] + p.count).toBeLessThanOrEqual(max);
            expect(p.spot ?? 0).toBeLessThanOrEqual(p.count);
          }
          // Placement takes all it can: it stops short only when every usable region is full.
          if (placed < count)
            for (const c of plan.candidates)
              if (!openRegions.includes(c.region))
                expect(c.live + c.chosen).toBeGreaterThanOrEqual(c.live + c.room);
        },
      ),
    );
  });
});
