import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BurstRegionConfig, WorkloadConfig } from '../../src/config/schema';
import { COOL_OFF_SECONDS, FAILURES_TO_OPEN } from '../../src/core/region-health';
import { countLive, type PendingLaunch } from '../../src/core/workload-state';
import { decideDeps } from '../../src/runtime/decide-wiring';
import { readSettings, type Settings } from '../../src/runtime/settings';
import { applySignals } from '../../src/usecases/apply-signals';
import { carryOut } from '../../src/usecases/carry-out';
import type { Log } from '../../src/usecases/ports';
import { type Harness, startHarness, tagValue, tasksIn } from './harness';

const CONFIG = resolve(import.meta.dirname, 'region-fallback.yaml');
const quiet: Log = { info: () => {}, warn: () => {}, error: () => {} };

describe('region fallback and the launch circuit breaker, against the emulator', () => {
  let harness: Harness;
  let settings: Settings;
  beforeAll(async () => {
    harness = await startHarness({ configPath: CONFIG });
    // The runtime has set the variables a function reads, with the network ids it created.
    settings = readSettings();
  });
  afterAll(async () => {
    await harness?.runtime.stop();
  });

  /**
   * A workload only these tests know, built from the provisioned `fallback`: same task definition
   * and network, its own name (so its tasks, state and decision log are its own), and regions
   * changed by `region`.
   */
  const variant = (name: string, region: (r: BurstRegionConfig) => BurstRegionConfig): WorkloadConfig => {
    const base = settings.config.workloads.find((w) => w.name === 'fallback');
    if (!base) throw new Error('no workload fallback in region-fallback.yaml');
    return { ...base, name, burstRegions: base.burstRegions.map(region) };
  };
  /** The decide function's adapters, as its wiring builds them, for a config that has `workload`. */
  const depsFor = (workload: WorkloadConfig, clock?: () => Date) => {
    const deps = decideDeps(
      { ...settings, config: { ...settings.config, workloads: [...settings.config.workloads, workload] } },
      quiet,
    );
    return clock ? { ...deps, clock } : deps;
  };
  let commands = 0;
  /** An operator's `spillway burst <workload> 1`, decided and carried out. */
  const burstOne = (workload: WorkloadConfig, deps: ReturnType<typeof depsFor>) =>
    applySignals(workload, [], deps, [
      {
        id: `cmd-${workload.name}-${++commands}`,
        workload: workload.name,
        action: 'burst',
        count: 1,
        reason: 'region fallback test',
        issuedAt: deps.clock().toISOString(),
      },
    ]);
  const running = async (workload: string, region: string, cluster: string) =>
    (await tasksIn(harness, region, cluster)).filter(
      (t) => tagValue(t, 'spillway:workload') === workload && t.lastStatus === 'RUNNING',
    );

  // us-west-2, the preferred region, names a cluster its burst stack never created.
  const ghost = () =>
    variant('ghost', (r) => (r.region === 'us-west-2' ? { ...r, cluster: 'not-deployed' } : r));

  it("starts the tasks in the next region when the preferred region's cluster is missing", async () => {
    // Prepare
    const deps = depsFor(ghost());

    // Act
    await burstOne(ghost(), deps);

    // Assess
    expect(await running('ghost', 'eu-west-1', 'fallback-east')).toHaveLength(1);
    const state = await harness.store.load('ghost');
    expect(countLive(state).byRegion).toEqual(new Map([['eu-west-1', 1]]));
    expect(state.pendingLaunches).toEqual([]);
    const reasons = (await harness.store.recentDecisions('ghost')).map((d) => d.reason);
    expect(reasons).toContainEqual(
      expect.stringMatching(
        /^RunTask in us-west-2 started 0 of 1 task\(s\) for decision d-\w+: ecs RunTask failed: ClusterNotFoundException: .*; region us-west-2 failing \(1 failed launch\(es\) in a row; the circuit opens at 3\); 1 moved to eu-west-1$/,
      ),
    );
    expect((await harness.store.loadRegionHealth())['us-west-2']?.consecutiveFailures).toBe(1);
  });

  it('opens the circuit after repeated failures, says until when, and keeps later bursts out of the region', async () => {
    // Prepare
    const deps = depsFor(ghost());

    // Act
    for (let i = 1; i < FAILURES_TO_OPEN; i++) await burstOne(ghost(), deps);
    const opened = (await harness.store.loadRegionHealth())['us-west-2'];
    await burstOne(ghost(), deps);

    // Assess
    expect(opened?.consecutiveFailures).toBe(FAILURES_TO_OPEN);
    expect(Date.parse(opened?.openUntil ?? '')).toBeGreaterThan(Date.now() + (COOL_OFF_SECONDS - 60) * 1000);
    const reasons = (await harness.store.recentDecisions('ghost', 50)).map((d) => d.reason);
    expect(reasons).toContainEqual(
      expect.stringContaining(
        `region us-west-2 failing (circuit open until ${opened?.openUntil}); 1 moved to eu-west-1`,
      ),
    );
    // The burst after it did not fail in us-west-2 again: it was not tried there.
    expect((await harness.store.loadRegionHealth())['us-west-2']?.consecutiveFailures).toBe(FAILURES_TO_OPEN);
    expect(await running('ghost', 'eu-west-1', 'fallback-east')).toHaveLength(FAILURES_TO_OPEN + 1);
  });

  it('closes the circuit when a launch after the cool-off places everything in the region', async () => {
    // Prepare: the missing cluster has been deployed, and the cool-off has passed
    const deployed = variant('ghost', (r) => r);
    const later = () => new Date(Date.now() + (COOL_OFF_SECONDS + 5) * 1000);
    const deps = depsFor(deployed, later);

    // Act
    await burstOne(deployed, deps);

    // Assess
    const health = (await harness.store.loadRegionHealth())['us-west-2'];
    expect(health?.consecutiveFailures).toBe(0);
    expect(health).not.toHaveProperty('openUntil');
    expect(await running('ghost', 'us-west-2', 'fallback-west')).toHaveLength(1);
  });

  it('runs a Spot launch through the FARGATE_SPOT capacity provider and records it as Spot', async () => {
    // Prepare: a launch of 2 on Spot in eu-west-1, committed as a decision leaves it
    const spotty = variant('spotty', (r) =>
      r.region === 'eu-west-1' ? { ...r, fargateSpot: { onDemandBase: 0 } } : r,
    );
    const deps = depsFor(spotty);
    const launch: PendingLaunch = {
      decisionId: 'd-spot0000000000000000000001',
      region: 'eu-west-1',
      count: 2,
      spot: 2,
      requestedAt: new Date().toISOString(),
      attempts: 0,
    };
    const empty = await harness.store.load('spotty');
    expect((await harness.store.commit({ ...empty, pendingLaunches: [launch] }, empty.version)).ok).toBe(
      true,
    );

    // Act
    await carryOut(spotty, deps);

    // Assess
    const tasks = await running('spotty', 'eu-west-1', 'fallback-east');
    expect(tasks.map((t) => t.capacityProviderName)).toEqual(['FARGATE_SPOT', 'FARGATE_SPOT']);
    const state = await harness.store.load('spotty');
    expect(Object.values(state.tasks).map((t) => t.capacity)).toEqual(['spot', 'spot']);
  });
});
