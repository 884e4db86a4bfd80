import { describe, expect, it } from 'vitest';
import type { WorkloadConfig } from '../../../src/config/schema';
import type { PendingLaunch } from '../../../src/core/workload-state';
import { carryOut } from '../../../src/usecases/carry-out';
import { MAX_THROTTLE_RETRIES } from '../../../src/usecases/launch-attempt';
import { FARGATE_LAUNCH_LIMITS, LaunchPacer } from '../../../src/usecases/launch-pacer';
import { LAUNCH_RETRY_BUDGET_SECONDS } from '../../../src/usecases/launch-pending';
import { aConfig, aState, burstRegionDoc, T0_ISO, workloadDoc } from '../factories';
import { FakeClock, fakeDecideDeps } from '../fakes';

const { callsPerSecond, taskBurst, tasksPerSecond } = FARGATE_LAUNCH_LIMITS;

function setup(names: readonly string[] = ['checkout-api']) {
  const config = aConfig({
    workloads: names.map((name) =>
      workloadDoc({
        name,
        burstRegions: [burstRegionDoc('us-west-2'), burstRegionDoc('eu-west-1')],
        maxBurstTasks: 200,
      }),
    ),
    signals: {},
  });
  return { workloads: config.workloads, deps: fakeDecideDeps(config) };
}

const pending = (count: number, region = 'us-west-2'): PendingLaunch => ({
  decisionId: 'd-burst',
  region,
  count,
  requestedAt: T0_ISO,
  attempts: 0,
});

/**
 * Checks a sequence of RunTask calls (time in ms, tasks) against Fargate's quotas: at most 10
 * tasks a call, at most `callsPerSecond` calls in any simulated second, and between any two
 * calls no more tasks than the bucket holds plus what it refills in between.
 */
function expectWithinQuotas(calls: readonly { at: number; tasks: number }[]) {
  for (const call of calls) expect(call.tasks).toBeLessThanOrEqual(10);
  const perSecond = new Map<number, number>();
  for (const call of calls)
    perSecond.set(Math.floor(call.at / 1000), (perSecond.get(Math.floor(call.at / 1000)) ?? 0) + 1);
  for (const n of perSecond.values()) expect(n).toBeLessThanOrEqual(callsPerSecond);
  for (let i = 0; i < calls.length; i++) {
    let tasks = 0;
    for (let j = i; j < calls.length; j++) {
      tasks += calls[j]?.tasks ?? 0;
      const seconds = ((calls[j]?.at ?? 0) - (calls[i]?.at ?? 0)) / 1000;
      expect(tasks).toBeLessThanOrEqual(taskBurst + tasksPerSecond * seconds + 1e-9);
    }
  }
}

describe('launch pacing within Fargate quotas', () => {
  it('paces a burst of 200 tasks: 100 at once, then 20 a second, in calls of at most 10', async () => {
    // Prepare
    const { workloads, deps } = setup();
    const workload = workloads[0] as WorkloadConfig;
    deps.store.put(aState({ version: 1, pendingLaunches: [pending(200)] }));

    // Act
    await carryOut(workload, deps);

    // Assess
    const calls = deps.compute.requests.map((r, i) => ({
      at: (deps.compute.requestTimes[i] ?? 0) - Date.parse(T0_ISO),
      tasks: r.count,
    }));
    expect(calls).toHaveLength(20);
    expectWithinQuotas(calls);
    // Not slower than the quotas require: the last 100 tasks take 5 s after the first 100.
    expect(calls.at(-1)?.at).toBe(5000);
    expect(calls.filter((c) => c.at === 0)).toHaveLength(10);
    expect(Object.keys(deps.store.get('checkout-api').tasks)).toHaveLength(200);
  });

  it('shares the quotas of a region among the workloads launching there at once', async () => {
    // Prepare: two workloads with 150 tasks each in us-west-2
    const { workloads, deps } = setup(['checkout-api', 'search-api']);
    deps.store.put(aState({ version: 1, pendingLaunches: [pending(150)] }));
    deps.store.put(aState({ workload: 'search-api', version: 1, pendingLaunches: [pending(150)] }));

    // Act
    await Promise.all(workloads.map((w) => carryOut(w, deps)));

    // Assess: 300 tasks through one bucket take 10 s (a bucket each would have taken 2.5 s)
    const calls = deps.compute.requests.map((r, i) => ({
      at: (deps.compute.requestTimes[i] ?? 0) - Date.parse(T0_ISO),
      tasks: r.count,
    }));
    expectWithinQuotas(calls);
    expect(calls.reduce((sum, c) => sum + c.tasks, 0)).toBe(300);
    expect(calls.at(-1)?.at).toBe(10_000);
  });

  it('retries a throttled RunTask with backoff in the same invocation, with the same clientToken', async () => {
    // Prepare
    const { workloads, deps } = setup();
    deps.store.put(aState({ version: 1, pendingLaunches: [pending(2)] }));
    deps.compute.throttleCalls = 3;

    // Act
    await carryOut(workloads[0] as WorkloadConfig, deps);

    // Assess
    expect(deps.compute.requests).toHaveLength(4);
    expect(new Set(deps.compute.requests.map((r) => r.clientToken)).size).toBe(1);
    const times = deps.compute.requestTimes;
    for (let i = 1; i < times.length; i++) expect(times[i] ?? 0).toBeGreaterThan(times[i - 1] ?? 0);
    const state = deps.store.get('checkout-api');
    expect(Object.keys(state.tasks)).toHaveLength(2);
    expect(state.pendingLaunches).toEqual([]);
    expect(deps.store.regionHealth.size).toBe(0);
  });

  it('gives up a launch still throttled when its retry budget runs out: claim released, message retried, region not blamed', async () => {
    // Prepare
    const { workloads, deps } = setup();
    deps.store.put(aState({ version: 1, pendingLaunches: [pending(2)] }));
    deps.compute.throttleCalls = 1000;

    // Act
    const outcome = await carryOut(workloads[0] as WorkloadConfig, deps).then(
      () => 'done',
      (e: Error) => e.name,
    );

    // Assess
    expect(outcome).toBe('ThrottlingException');
    // Retried with backoff until the budget, never beyond it nor past the retry cap
    expect(deps.compute.requests.length).toBeGreaterThan(2);
    expect(deps.compute.requests.length).toBeLessThanOrEqual(MAX_THROTTLE_RETRIES + 1);
    const times = deps.compute.requestTimes;
    expect((times.at(-1) ?? 0) - (times[0] ?? 0)).toBeLessThanOrEqual(LAUNCH_RETRY_BUDGET_SECONDS * 1000);
    const state = deps.store.get('checkout-api');
    expect(state.pendingLaunches).toEqual([{ ...pending(2), attempts: 1 }]);
    expect(deps.store.regionHealth.size).toBe(0);
    expect(deps.compute.requests.every((r) => r.burstRegion.region === 'us-west-2')).toBe(true);
  });
});

describe('LaunchPacer', () => {
  it('lets concurrent callers take tokens in turn, each waiting for its own share of the refill', async () => {
    // Prepare: the bucket is empty after 100 tasks
    const clock = new FakeClock();
    const waits: number[] = [];
    const pacer = new LaunchPacer({
      now: () => clock.now().getTime(),
      sleep: async (ms) => {
        waits.push(ms);
      },
    });
    for (let i = 0; i < 10; i++) await pacer.acquire('us-west-2', 10);

    // Act: three callers at the same instant
    await Promise.all([
      pacer.acquire('us-west-2', 10),
      pacer.acquire('us-west-2', 10),
      pacer.acquire('us-west-2', 10),
    ]);

    // Assess: half a second of refill each, queued one after the other
    expect(waits).toEqual([500, 1000, 1500]);
  });

  it('keeps a bucket per region: a burst in one region does not slow another', async () => {
    // Prepare
    const clock = new FakeClock();
    const waits: number[] = [];
    const pacer = new LaunchPacer({
      now: () => clock.now().getTime(),
      sleep: async (ms) => {
        waits.push(ms);
      },
    });

    // Act
    for (let i = 0; i < 10; i++) await pacer.acquire('us-west-2', 10);
    for (let i = 0; i < 10; i++) await pacer.acquire('eu-west-1', 10);

    // Assess
    expect(waits).toEqual([]);
  });

  it('refills with time, up to the burst and no further', async () => {
    // Prepare
    const clock = new FakeClock();
    const waits: number[] = [];
    const pacer = new LaunchPacer({
      now: () => clock.now().getTime(),
      sleep: async (ms) => {
        waits.push(ms);
      },
    });
    for (let i = 0; i < 10; i++) await pacer.acquire('us-west-2', 10);

    // Act: an hour idle refills to 100, not to 72,000
    clock.advance(3600);
    for (let i = 0; i < 11; i++) await pacer.acquire('us-west-2', 10);

    // Assess
    expect(waits).toEqual([500]);
  });
});

describe('LaunchPacer after a throttle', () => {
  const pacer = () => {
    let now = 0;
    const waits: number[] = [];
    const launchPacer = new LaunchPacer({
      now: () => now,
      sleep: async (ms) => {
        waits.push(ms);
        now += ms;
      },
    });
    return { launchPacer, waits, advance: (ms: number) => (now += ms) };
  };

  it('waits for the refill instead of spending its own burst on calls that would be refused', async () => {
    // Prepare: this process has taken nothing, but other instances emptied the account's bucket
    const { launchPacer, waits } = pacer();
    await launchPacer.acquire('us-west-2', 10);
    expect(waits).toEqual([]);

    // Act
    launchPacer.throttled('us-west-2');
    await launchPacer.acquire('us-west-2', 10);

    // Assess: 10 tasks from half of 20 a second, the share regained at 0.1 a second while it waits:
    // 20 × (0.5 t + 0.05 t²) = 10 gives t = 0.916 s (1 s at a share that stayed at half)
    expect(tasksPerSecond).toBe(20);
    expect(waits).toEqual([917]);
  });

  it('halves its share of the rates on each throttle, down to an eighth, and regains it over ten seconds', async () => {
    // Prepare
    const { launchPacer, waits, advance } = pacer();

    // Act: four throttles in a row, a call; then ten quiet seconds, a call
    for (let i = 0; i < 4; i++) launchPacer.throttled('us-west-2');
    await launchPacer.acquire('us-west-2', 5);
    advance(10_000);
    launchPacer.throttled('us-west-2');
    await launchPacer.acquire('us-west-2', 5);

    // Assess: 5 tasks from an eighth of 20/s, regaining: 20 × (0.125 t + 0.05 t²) = 5, t = 1.31 s;
    // ten seconds later all of it is back, halved once: 20 × (0.5 t + 0.05 t²) = 5, t = 0.48 s
    expect(waits).toEqual([1312, 478]);
  });

  it('counts what refilled since its last call as spent, and leaves other regions alone', async () => {
    // Prepare: 120 tasks taken at once: 20 beyond the burst, a second of debt
    const { launchPacer, waits, advance } = pacer();
    await launchPacer.acquire('us-west-2', 120);
    expect(waits).toEqual([1000]);

    // Act: a throttle right after, then the next call
    launchPacer.throttled('us-west-2');
    advance(0);
    await launchPacer.acquire('us-west-2', 20);
    await launchPacer.acquire('eu-west-1', 10);

    // Assess: its own 20 tasks at half the rate, regaining: 20 × (0.5 t + 0.05 t²) = 20, t = 1.71 s;
    // none in the other region
    expect(waits).toEqual([1000, 1709]);
  });
});
