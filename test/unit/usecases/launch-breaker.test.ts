import { describe, expect, it } from 'vitest';
import { RunTaskError } from '../../../src/adapters/burst-compute';
import { COOL_OFF_SECONDS, FAILURES_TO_OPEN, type RegionHealth } from '../../../src/core/region-health';
import { countLive, type PendingLaunch } from '../../../src/core/workload-state';
import { carryOut } from '../../../src/usecases/carry-out';
import { aConfig, isoAt, workloadDoc } from '../factories';
import { fakeDecideDeps } from '../fakes';

/** checkout-api bursting to us-west-2, then eu-west-1; us-west-2 has no cluster until `heal`. */
function setup() {
  const config = aConfig({ workloads: [workloadDoc({ maxBurstTasks: 20 })], signals: {} });
  const workload = config.workloads[0];
  if (!workload) throw new Error('no workload');
  const deps = fakeDecideDeps(config);
  let broken = true;
  deps.compute.answer = (r) => {
    if (broken && r.burstRegion.region === 'us-west-2')
      throw new RunTaskError(
        'missing_cluster',
        Object.assign(new Error('Cluster not found.'), { name: 'ClusterNotFoundException' }),
      );
    return undefined;
  };
  let n = 0;
  /** One decision's launch of 1 task into us-west-2, carried out now. */
  const launchOne = async (fields: Partial<PendingLaunch> = {}) => {
    const state = deps.store.get('checkout-api');
    const launch: PendingLaunch = {
      decisionId: `d-${++n}`,
      region: 'us-west-2',
      count: 1,
      requestedAt: deps.clock().toISOString(),
      attempts: 0,
      ...fields,
    };
    deps.store.put({ ...state, pendingLaunches: [...state.pendingLaunches, launch] });
    await carryOut(workload, deps);
  };
  return { deps, launchOne, heal: () => (broken = false) };
}

const toUsWest = (deps: ReturnType<typeof fakeDecideDeps>) =>
  deps.compute.requests.filter((r) => r.burstRegion.region === 'us-west-2').length;

describe('the launch circuit breaker of a burst region', () => {
  it(`opens after ${FAILURES_TO_OPEN} failed launches in a row, and the decision log says until when`, async () => {
    // Prepare
    const { deps, launchOne } = setup();

    // Act
    for (let i = 0; i < FAILURES_TO_OPEN; i++) {
      await launchOne();
      deps.time.advance(10);
    }

    // Assess
    const openedAt = isoAt(20);
    const until = isoAt(20 + COOL_OFF_SECONDS);
    expect(deps.store.regionHealth.get('us-west-2')).toEqual({
      region: 'us-west-2',
      consecutiveFailures: 3,
      openUntil: until,
      lastFailureAt: openedAt,
      lastFailure: 'ecs RunTask failed: ClusterNotFoundException: Cluster not found.',
      updatedAt: openedAt,
    });
    expect(
      deps.store.committedDecisions.map((d) => d.reason.replace(/^.*Cluster not found\.; /, '')),
    ).toEqual([
      'region us-west-2 failing (1 failed launch(es) in a row; the circuit opens at 3); 1 moved to eu-west-1',
      'region us-west-2 failing (2 failed launch(es) in a row; the circuit opens at 3); 1 moved to eu-west-1',
      `region us-west-2 failing (circuit open until ${until}); 1 moved to eu-west-1`,
    ]);
    expect(countLive(deps.store.get('checkout-api')).byRegion).toEqual(new Map([['eu-west-1', 3]]));
  });

  it('skips the region while the circuit is open: no RunTask there, the launch moves at once', async () => {
    // Prepare
    const { deps, launchOne } = setup();
    for (let i = 0; i < FAILURES_TO_OPEN; i++) await launchOne();
    const calls = toUsWest(deps);

    // Act
    deps.time.advance(COOL_OFF_SECONDS - 1);
    await launchOne();

    // Assess
    expect(toUsWest(deps)).toBe(calls);
    expect(deps.store.regionHealth.get('us-west-2')?.consecutiveFailures).toBe(FAILURES_TO_OPEN);
    expect(deps.store.committedDecisions.at(-1)?.reason).toBe(
      `RunTask in us-west-2 started 0 of 1 task(s) for decision d-4: region us-west-2 not tried (circuit open until ${isoAt(COOL_OFF_SECONDS)}); 1 moved to eu-west-1`,
    );
    expect(countLive(deps.store.get('checkout-api')).byRegion).toEqual(new Map([['eu-west-1', 4]]));
  });

  it('still tries a launch that an earlier invocation tried, so its clientTokens return what it started', async () => {
    // Prepare
    const { deps, launchOne, heal } = setup();
    for (let i = 0; i < FAILURES_TO_OPEN; i++) await launchOne();
    heal();
    const calls = toUsWest(deps);

    // Act: claimed once before, by an invocation that died
    await launchOne({ attempts: 1, claimedAt: isoAt(-3600) });

    // Assess
    expect(toUsWest(deps)).toBe(calls + 1);
    expect(countLive(deps.store.get('checkout-api')).byRegion.get('us-west-2')).toBe(1);
  });

  it('closes after the cool-off when the half-open retry places everything', async () => {
    // Prepare
    const { deps, launchOne, heal } = setup();
    for (let i = 0; i < FAILURES_TO_OPEN; i++) await launchOne();
    heal();

    // Act
    deps.time.advance(COOL_OFF_SECONDS);
    await launchOne();

    // Assess
    expect(deps.store.regionHealth.get('us-west-2')).toEqual({
      region: 'us-west-2',
      consecutiveFailures: 0,
      updatedAt: isoAt(COOL_OFF_SECONDS),
    });
    expect(countLive(deps.store.get('checkout-api')).byRegion.get('us-west-2')).toBe(1);
  });

  it('opens again at once when the half-open retry fails', async () => {
    // Prepare
    const { deps, launchOne } = setup();
    for (let i = 0; i < FAILURES_TO_OPEN; i++) await launchOne();

    // Act
    deps.time.advance(COOL_OFF_SECONDS);
    await launchOne();

    // Assess
    const health = deps.store.regionHealth.get('us-west-2');
    expect(health?.consecutiveFailures).toBe(FAILURES_TO_OPEN + 1);
    expect(health?.openUntil).toBe(isoAt(2 * COOL_OFF_SECONDS));
    expect(deps.store.committedDecisions.at(-1)?.reason).toContain(
      `region us-west-2 failing (circuit open until ${isoAt(2 * COOL_OFF_SECONDS)})`,
    );
  });

  it('counts failures of concurrent invocations: a lost health write is re-read and re-applied', async () => {
    // Prepare: another invocation records a failure in us-west-2 just before this one writes
    const { deps, launchOne } = setup();
    let raced = false;
    deps.store.beforeHealthWrite = () => {
      if (raced) return;
      raced = true;
      const other: RegionHealth = {
        region: 'us-west-2',
        consecutiveFailures: 1,
        lastFailure: 'RESOURCE:ENI',
        lastFailureAt: isoAt(0),
        updatedAt: isoAt(-1),
      };
      deps.store.regionHealth.set('us-west-2', other);
    };

    // Act
    await launchOne();

    // Assess
    expect(deps.store.healthWrites.map((w) => w.ok)).toEqual([false, true]);
    expect(deps.store.regionHealth.get('us-west-2')?.consecutiveFailures).toBe(2);
  });

  it('does not write the health of a healthy region on every successful launch', async () => {
    // Prepare
    const { deps, launchOne, heal } = setup();
    heal();

    // Act
    await launchOne();

    // Assess
    expect(deps.store.healthWrites).toEqual([]);
  });
});
