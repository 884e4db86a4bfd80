import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SiteHeartbeatConfig, SpillwayConfig } from '../../src/config/schema';
import type { Decision } from '../../src/core/decision';
import type { Step } from './ops';
import { schedulingOf, simConfig, simulate } from './setup';
import { inOrder, type World } from './world';

/**
 * Site loss in the loop: the site's heartbeats go through ingest and decide onto its item, the
 * scheduled reconcile (two at once here) notices their absence and sends the evacuations on the
 * queue, decide applies them under every fault the world has, and heartbeats coming back drain the
 * burst home. The run starts at 12:00 virtual time; the config's maintenance window is left out.
 */
const SITE = 'onprem-dc1';

function siteLossConfig(heartbeat: Partial<SiteHeartbeatConfig> = {}): SpillwayConfig {
  const base = simConfig();
  return {
    ...base,
    maintenanceWindows: [],
    sites: [
      {
        id: SITE,
        kind: 'onprem',
        heartbeat: {
          lossAfterSeconds: 120,
          recoveryStableSeconds: 300,
          flapWindowSeconds: 3600,
          alertmanagerWatchdog: false,
          spendGuardDuringLoss: 'exceed',
          ...heartbeat,
        },
      },
    ],
  };
}

const minute = (deciders = 2): Step[] => [
  { kind: 'advance', seconds: 60 },
  { kind: 'decide', deciders, reconcile: false, workflows: true },
  { kind: 'reconcilers', count: 2 },
  { kind: 'decide', deciders, reconcile: false, workflows: true },
];
const minutes = (n: number, extra: (i: number) => Step[] = () => []): Step[] =>
  Array.from({ length: n }, (_, i) => [...minute(), ...extra(i)]).flat();

/** Site-loss commands the policy applied (not duplicates), per workload and action, with when. */
function applied(
  world: World,
  action: 'evacuate' | 'end_evacuation',
): { workload: string; id: string; at: string }[] {
  return world.table.decisions.flatMap((d: Decision) =>
    (d.commands ?? [])
      .filter((c) => c.action === action && c.outcome === 'applied' && c.id.startsWith(`sl-${SITE}-`))
      .map((c) => ({ workload: d.workload, id: c.id, at: d.at })),
  );
}

const at = (minutes: number) =>
  new Date(Date.parse('2026-03-01T12:00:00.000Z') + minutes * 60_000).toISOString();

describe('a site that goes dark and comes back', () => {
  // 3 minutes up, 10 down, then up for good (quiescence keeps its heartbeats coming)
  const steps: Step[] = [
    { kind: 'site', up: true },
    ...minutes(3),
    { kind: 'site', up: false },
    ...minutes(10, (i) =>
      i === 4 ? [{ kind: 'crash', countdown: 2, after: true }] : [{ kind: 'redeliver', index: i }],
    ),
    { kind: 'site', up: true },
    ...minutes(12),
  ];

  it('is evacuated exactly once, and drains back after the stable window', async () => {
    const world = await simulate(steps, inOrder, 3, siteLossConfig());
    const evacuations = applied(world, 'evacuate');
    // One evacuation per homed workload, however many reconcilers and redeliveries
    expect(evacuations.map((e) => e.workload).sort()).toEqual(['checkout-api', 'search-api']);
    // Heartbeats stopped after 12:03; lost 120 s later, at the first check after it (12:05)
    for (const e of evacuations) expect(e.at >= at(5) && e.at <= at(6)).toBe(true);
    // The loss started checkout-api's home capacity (4) in the cloud at once
    const evacuation = world.table.decisions.find(
      (d) => d.workload === 'checkout-api' && d.commands?.some((c) => c.action === 'evacuate'),
    );
    expect(evacuation?.reason).toMatch(
      /evacuation by site loss sl-onprem-dc1-\w+ .*decided by heartbeats: no heartbeat for 120 s/,
    );
    const started = evacuation?.action.kind === 'scale_out' ? evacuation.action.placements : [];
    expect(started.reduce((n, p) => n + p.count, 0)).toBe(4);
    // ... and it still ran them (drains begin only once the loss is over)
    const drainedEarly = world.table.decisions.filter((d) => d.action.kind === 'scale_in' && d.at < at(18));
    expect(drainedEarly).toEqual([]);
    // Heartbeats back at 12:13, steady 300 s: the evacuation ends at 12:18, not before
    const ends = applied(world, 'end_evacuation');
    expect(ends.map((e) => e.workload).sort()).toEqual(['checkout-api', 'search-api']);
    for (const e of ends) expect(e.at >= at(18) && e.at < at(20)).toBe(true);
    // ... and from then the burst drains home through the workflow
    const drained = world.table.decisions.filter(
      (d) => d.workload === 'checkout-api' && d.action.kind === 'scale_in' && d.at > at(18),
    );
    expect(drained.length).toBeGreaterThan(0);
    expect(world.siteTable.peek(SITE)?.state).toBe('healthy');
  });

  it('keeps every invariant whatever the interleaving', async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), fc.nat(), async (s, seed) => {
        const world = await simulate(steps, schedulingOf(s), seed, siteLossConfig());
        const ids = applied(world, 'evacuate').map((e) => e.id);
        expect(new Set(ids).size).toBe(ids.length);
        expect(ids).toHaveLength(2);
      }),
      { numRuns: Number(process.env.SIM_SCENARIO_RUNS ?? 3) },
    );
  });
});

describe('a witness that disagrees', () => {
  const witness = { url: 'https://dc1.example/health', timeoutSeconds: 5, expectStatus: 200 };

  it('a broken witness does not evacuate a healthy site', async () => {
    const steps: Step[] = [{ kind: 'site', up: true }, { kind: 'witness', ok: false }, ...minutes(20)];
    const world = await simulate(steps, inOrder, 4, siteLossConfig({ witness }));
    expect(applied(world, 'evacuate')).toEqual([]);
    expect(world.siteTable.peek(SITE)?.state).toBe('suspect');
  });

  it('a broken monitoring link alone does not evacuate a site its witness still reaches', async () => {
    const steps: Step[] = [
      { kind: 'site', up: true },
      ...minutes(2),
      { kind: 'site', up: false },
      ...minutes(15),
    ];
    const world = await simulate(steps, inOrder, 5, siteLossConfig({ witness }));
    // Quiescence runs two more hours without heartbeats, the witness answering all along
    expect(applied(world, 'evacuate')).toEqual([]);
    expect(world.siteTable.peek(SITE)?.reason).toMatch(/the witness answers/);
  });

  it('both agreeing evacuate, and the decision log says which decided', async () => {
    const steps: Step[] = [
      { kind: 'site', up: true },
      ...minutes(2),
      { kind: 'site', up: false },
      { kind: 'witness', ok: false },
      ...minutes(6),
    ];
    const world = await simulate(steps, inOrder, 6, siteLossConfig({ witness }));
    expect(applied(world, 'evacuate')).toHaveLength(2);
    const decision = world.table.decisions.find((d) =>
      d.commands?.some((c) => c.action === 'evacuate' && c.outcome === 'applied'),
    );
    expect(decision?.reason).toMatch(/site loss sl-onprem-dc1-/);
    const record = world.siteTable.peek(SITE);
    expect(record?.loss?.decidedBy).toBe('heartbeats and witness');
  });
});

describe('a flapping site', () => {
  it('is not evacuated twice within the anti-flap window', async () => {
    // Down 4 minutes, up 3 (long enough to recover: stable 60 s), six times over
    const cycle: Step[] = [
      { kind: 'site', up: false },
      ...minutes(4),
      { kind: 'site', up: true },
      ...minutes(3),
    ];
    const steps: Step[] = [
      { kind: 'site', up: true },
      ...minutes(2),
      ...Array.from({ length: 6 }, () => cycle).flat(),
    ];
    const config = siteLossConfig({ recoveryStableSeconds: 60, flapWindowSeconds: 1800 });
    const world = await simulate(steps, inOrder, 7, config);
    const starts = [...new Set(applied(world, 'evacuate').map((e) => e.at))].sort();
    // The first outage (heartbeats stop at 12:02) evacuates at 12:04; those within 30 minutes do not
    expect(starts.length).toBeGreaterThanOrEqual(1);
    expect(starts[0]?.slice(0, 16)).toBe(at(4).slice(0, 16));
    for (let i = 1; i < starts.length; i++)
      expect(Date.parse(starts[i] as string) - Date.parse(starts[i - 1] as string)).toBeGreaterThanOrEqual(
        1_800_000,
      );
    // Without the probation the outages at 12:09, 12:16 and 12:23 would each have evacuated again
    expect(starts.filter((s) => s < at(34))).toHaveLength(1);
  });
});
