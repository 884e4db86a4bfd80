import { describe, expect, it } from 'vitest';
import type { WorkloadState } from '../../../src/core/workload-state';
import { applySignals } from '../../../src/usecases/apply-signals';
import type { DecideDeps } from '../../../src/usecases/ports';
import { aCommand, aConfig } from '../factories';
import { fakeDecideDeps } from '../fakes';

describe('applySignals racing another invocation of the same command', () => {
  it('carries out nothing when its own write lost: the launch is the winner’s, claimed in its write', async () => {
    // Prepare: the emulator ignores clientTokens, so a second RunTask would start a second task.
    const config = aConfig();
    const workload = config.workloads[0];
    if (!workload) throw new Error('no workload');
    const deps = fakeDecideDeps(config);
    deps.compute.honourClientToken = false;
    const burst = aCommand({ action: 'burst', count: 1 });
    const before = deps.store.get(workload.name);
    // The winner decides and claims its launch in one write, then starts the task; the state as
    // that write left it is what a loser meets while the winner's RunTask is still under way.
    let inFlight: WorkloadState | undefined;
    deps.store.beforeCommit = () => {
      inFlight ??= deps.store.get(workload.name).version === 1 ? deps.store.get(workload.name) : undefined;
    };
    await applySignals(workload, [], deps, [burst]);
    deps.store.beforeCommit = undefined;
    if (!inFlight?.pendingLaunches[0]?.claimedAt) throw new Error('the winner did not claim its launch');
    deps.store.put(inFlight);
    // The loser read the state before the winner's write: the same decision, the same id.
    const stale: DecideDeps['store'] = Object.assign(Object.create(deps.store), {
      loadForDecision: async () => ({ state: before, regionHealth: {} }),
    });

    // Act
    await applySignals(workload, [], { ...deps, store: stale }, [burst]);

    // Assess: one RunTask, the winner's; the loser found the command applied and left the launch be
    expect(deps.compute.requests).toHaveLength(1);
    expect(deps.store.commits.map((c) => c.ok)).toContain(false);
  });
});
