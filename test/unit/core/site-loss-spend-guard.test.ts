import { describe, expect, it } from 'vitest';
import { decide } from '../../../src/core/policy';
import { applySpendGuard } from '../../../src/core/spend-guard';
import { aCommand, aState, at, aWorkload, burstRegionDoc } from '../factories';

/** checkout-api at 0.05 per task-hour in one region; its own guard lets 2 of its 4 home tasks run. */
const workload = aWorkload({
  homeCapacityTasks: 4,
  maxBurstCostPerHour: 0.1,
  burstRegions: [burstRegionDoc('us-west-2', { costPerTaskHour: 0.05 })],
});

const evacuate = (exceedSpendGuard: boolean) =>
  aCommand({
    action: 'evacuate',
    id: 'sl-onprem-dc1-abcd1234-checkout-api-evacuate',
    requestedBy: 'site-loss',
    window: 'sl-onprem-dc1-abcd1234',
    reason: 'site onprem-dc1 lost',
    ...(exceedSpendGuard ? { exceedSpendGuard: true } : {}),
  });

const started = (result: ReturnType<typeof decide>) =>
  result.decision.action.kind === 'scale_out'
    ? result.decision.action.placements.reduce((n, p) => n + p.count, 0)
    : 0;

describe('the spend guard during a site loss', () => {
  it('spendGuardDuringLoss exceed: the whole home capacity starts, and the decision says by how much', () => {
    const result = decide({ workload, state: aState(), signals: [], commands: [evacuate(true)], now: at(0) });
    expect(started(result)).toBe(4);
    expect(result.decision.reason).toMatch(
      /spend guard exceeded: 2 of 4 task\(s\) are beyond the workload's maxBurstCostPerHour 0\.1 .*site loss \(spendGuardDuringLoss: exceed\)/,
    );
    expect(result.next.evacuation?.exceedSpendGuard).toBe(true);
    expect(result.decision.reason).toMatch(/evacuation by site loss sl-onprem-dc1-abcd1234/);
  });

  it('spendGuardDuringLoss respect: the guard trims the evacuation as any scale-out', () => {
    const result = decide({
      workload,
      state: aState(),
      signals: [],
      commands: [evacuate(false)],
      now: at(0),
    });
    expect(started(result)).toBe(2);
    expect(result.decision.reason).toMatch(/spend guard: 2 of 4 task\(s\) fit/);
  });

  it("exceeds the environment's guard too, only for what the evacuation needs", () => {
    const unguarded = aWorkload({
      homeCapacityTasks: 3,
      burstRegions: [burstRegionDoc('us-west-2', { costPerTaskHour: 1 })],
    });
    const placements = [{ region: 'us-west-2', count: 3 }];
    const limits = { currentCostPerHour: 0, otherWorkloadsCostPerHour: 9, environmentMaxCostPerHour: 10 };
    expect(applySpendGuard(unguarded, placements, limits).placements).toEqual([
      { region: 'us-west-2', count: 1 },
    ]);
    const exceeded = applySpendGuard(unguarded, placements, { ...limits, exceed: true });
    expect(exceeded.placements).toEqual(placements);
    expect(exceeded.note).toMatch(
      /spend guard exceeded: 2 of 3 task\(s\) are beyond the environment's spendGuard 10/,
    );
  });
});
