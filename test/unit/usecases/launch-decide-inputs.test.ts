import { afterEach, describe, expect, it, vi } from 'vitest';
import type { PolicyInput } from '../../../src/core/policy';
import { applySignals, OTHER_WORKLOADS_CACHE_SECONDS } from '../../../src/usecases/apply-signals';
import { aConfig, aState, aTask, burstRegionDoc, firing, isoAt, workloadDoc } from '../factories';
import { fakeDecideDeps } from '../fakes';

// The real policy, watched: what applySignals gives it is what these tests are about.
const inputs = vi.hoisted(() => [] as PolicyInput[]);
vi.mock('../../../src/core/policy', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../../src/core/policy')>();
  return {
    ...original,
    decide: (input: PolicyInput) => {
      inputs.push(input);
      return original.decide(input);
    },
  };
});

afterEach(() => {
  inputs.length = 0;
});

const priced = (region: string) => burstRegionDoc(region, { costPerTaskHour: 0.05 });

function setup(spendGuard?: { maxCostPerHour: number }) {
  const config = aConfig({
    workloads: [
      workloadDoc({ burstRegions: [priced('us-west-2'), priced('eu-west-1')] }),
      workloadDoc({ name: 'search-api', burstRegions: [priced('eu-west-1')] }),
      workloadDoc({ name: 'orders-api', burstRegions: [priced('us-west-2')] }),
    ],
    signals: {},
    ...(spendGuard ? { spendGuard } : {}),
  });
  const [checkout] = config.workloads;
  if (!checkout) throw new Error('no workload');
  const deps = fakeDecideDeps(config);
  deps.store.put(
    aState({
      workload: 'search-api',
      version: 2,
      tasks: [aTask({ taskId: 's1', region: 'eu-west-1' }), aTask({ taskId: 's2', region: 'eu-west-1' })],
    }),
  );
  deps.store.put(aState({ workload: 'orders-api', version: 2, tasks: [aTask({ taskId: 'o1' })] }));
  return { checkout, deps };
}

describe('what a decision is given besides the state and the signals', () => {
  it('gives the policy the launch circuit breakers of the burst regions', async () => {
    // Prepare
    const { checkout, deps } = setup();
    const health = {
      region: 'us-west-2',
      consecutiveFailures: 3,
      openUntil: isoAt(300),
      lastFailure: 'RESOURCE:ENI',
      updatedAt: isoAt(0),
    };
    deps.store.regionHealth.set('us-west-2', health);

    // Act
    await applySignals(checkout, [firing('alertmanager:cpu', -10)], deps);

    // Assess
    expect(inputs[0]?.regionHealth).toEqual({ 'us-west-2': health });
  });

  it('gives the spend guard the estimated cost of every other workload, read in one call', async () => {
    // Prepare
    const { checkout, deps } = setup({ maxCostPerHour: 10 });

    // Act
    await applySignals(checkout, [firing('alertmanager:cpu', -10)], deps);

    // Assess: search-api 2 × 0.05 and orders-api 1 × 0.05, not checkout-api's own
    expect(inputs[0]?.otherWorkloadsCostPerHour).toBe(0.15);
    expect(inputs[0]?.environmentMaxCostPerHour).toBe(10);
    expect(deps.store.stateLoads).toEqual([['checkout-api', 'search-api', 'orders-api']]);
  });

  it('counts a workload whose state item cannot be read at its most, not at nothing', async () => {
    // Prepare: orders-api's item is unreadable, so the store's read leaves it out
    const { checkout, deps } = setup({ maxCostPerHour: 10 });
    const loadStates = deps.store.loadStates.bind(deps.store);
    deps.store.loadStates = async (names) => {
      const states = await loadStates(names);
      states.delete('orders-api');
      return states;
    };

    // Act
    await applySignals(checkout, [firing('alertmanager:cpu', -10)], deps);

    // Assess: search-api 2 × 0.05, and orders-api at its max of 6 × 0.05
    expect(inputs[0]?.otherWorkloadsCostPerHour).toBe(0.4);
  });

  it('reuses the other workloads for a few seconds, then reads them again', async () => {
    // Prepare
    const { checkout, deps } = setup({ maxCostPerHour: 10 });
    await applySignals(checkout, [firing('alertmanager:cpu', -10)], deps);

    // Act
    deps.time.advance(OTHER_WORKLOADS_CACHE_SECONDS);
    await applySignals(checkout, [], deps);
    deps.time.advance(1);
    await applySignals(checkout, [], deps);

    // Assess
    expect(deps.store.stateLoads).toHaveLength(2);
  });

  it('reads no other workload when the environment has no spend guard', async () => {
    // Prepare
    const { checkout, deps } = setup();

    // Act
    await applySignals(checkout, [firing('alertmanager:cpu', -10)], deps);

    // Assess
    expect(deps.store.stateLoads).toEqual([]);
    expect(inputs[0]).not.toHaveProperty('otherWorkloadsCostPerHour');
    expect(inputs[0]).not.toHaveProperty('environmentMaxCostPerHour');
  });

  it('holds a scale-out the environment guard has no room for, and says so in the decision log', async () => {
    // Prepare: the others already cost 0.15 of the 0.2 allowed; one more task (0.05) fits, two do not.
    const { checkout, deps } = setup({ maxCostPerHour: 0.2 });

    // Act
    const decision = await applySignals(checkout, [firing('alertmanager:cpu', -10)], deps);

    // Assess
    expect(decision.action).toEqual({ kind: 'scale_out', placements: [{ region: 'us-west-2', count: 1 }] });
    expect(decision.reason).toMatch(
      /spend guard: 1 of 2 task\(s\) fit within the environment's spendGuard 0.2/,
    );
  });
});
