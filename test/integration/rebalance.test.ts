import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BurstRegionConfig, WorkloadConfig } from '../../src/config/schema';
import { countLive } from '../../src/core/workload-state';
import { decideDeps } from '../../src/runtime/decide-wiring';
import { readSettings, type Settings } from '../../src/runtime/settings';
import { applySignals } from '../../src/usecases/apply-signals';
import type { Log } from '../../src/usecases/ports';
import { eventually, type Harness, startHarness, tagValue, tasksIn } from './harness';

const CONFIG = resolve(import.meta.dirname, 'region-fallback.yaml');
const quiet: Log = { info: () => {}, warn: () => {}, error: () => {} };

describe('moving tasks back to the preferred region, against the emulator', () => {
  let harness: Harness;
  let settings: Settings;
  beforeAll(async () => {
    harness = await startHarness({ configPath: CONFIG });
    settings = readSettings();
  });
  afterAll(async () => {
    await harness?.runtime.stop();
  });

  /** `fallback` as only this test knows it (the runtime's reconciler never races it), max 3. */
  const homing = (region: (r: BurstRegionConfig) => BurstRegionConfig): WorkloadConfig => {
    const base = settings.config.workloads.find((w) => w.name === 'fallback');
    if (!base) throw new Error('no workload fallback in region-fallback.yaml');
    return {
      ...base,
      name: 'homing',
      maxBurstTasks: 3,
      homeCapacityTasks: 2,
      rebalance: 'preferred-region',
      rebalanceIntervalSeconds: 0,
      burstRegions: base.burstRegions.map(region),
    };
  };
  const depsFor = (workload: WorkloadConfig) =>
    decideDeps(
      { ...settings, config: { ...settings.config, workloads: [...settings.config.workloads, workload] } },
      quiet,
    );
  const live = async (region: string, cluster: string) =>
    (await tasksIn(harness, region, cluster)).filter(
      (t) => tagValue(t, 'spillway:workload') === 'homing' && t.desiredStatus === 'RUNNING',
    );

  it('starts in the preferred region first, drains the fallback once it runs, and never goes above the max', async () => {
    // Prepare: an evacuation while us-west-2's cluster is missing puts both tasks in eu-west-1
    const missing = homing((r) => (r.region === 'us-west-2' ? { ...r, cluster: 'not-deployed' } : r));
    await applySignals(missing, [], depsFor(missing), [
      {
        id: 'cmd-homing-evacuate',
        workload: 'homing',
        action: 'evacuate',
        reason: 'rebalance test',
        issuedAt: new Date().toISOString(),
      },
    ]);
    expect(await live('eu-west-1', 'fallback-east')).toHaveLength(2);

    // Act: the cluster is back; periodic evaluations, as the reconciler makes every minute
    const deployed = homing((r) => r);
    const deps = depsFor(deployed);
    const seen: number[] = [];
    const evaluate = async () => {
      const decision = await applySignals(deployed, [], deps);
      const state = await harness.store.load('homing');
      const inEcs =
        (await live('us-west-2', 'fallback-west')).length + (await live('eu-west-1', 'fallback-east')).length;
      seen.push(countLive(state).total, inEcs);
      return decision;
    };
    const started = await evaluate();
    const finished = await evaluate();

    // Assess
    expect(started.action).toEqual({ kind: 'scale_out', placements: [{ region: 'us-west-2', count: 1 }] });
    expect(started.reason).toContain('rebalance (preferred-region)');
    expect(finished.action).toMatchObject({ kind: 'scale_in', tasks: [{ region: 'eu-west-1' }] });
    expect(finished.reason).toContain('rebalance: 1 task(s) running in us-west-2; draining 1 from eu-west-1');
    await eventually(
      async () => ((await live('eu-west-1', 'fallback-east')).length === 1 ? true : undefined),
      'the drained task to stop',
    );
    expect(await live('us-west-2', 'fallback-west')).toHaveLength(1);
    for (const count of seen) expect(count).toBeLessThanOrEqual(3);
  });
});
