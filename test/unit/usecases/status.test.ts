import { describe, expect, it } from 'vitest';
import type { ObservedTask } from '../../../src/adapters/burst-compute';
import type { Decision } from '../../../src/core/decision';
import type { WorkloadState } from '../../../src/core/workload-state';
import { recentDecisions, statusReport, workloadStatus } from '../../../src/usecases/status';
import { aConfig, aState, aTask, at, burstRegionDoc, isoAt, workloadDoc } from '../factories';

/** checkout-api priced in both regions (Spot in us-west-2 only); search-api unpriced. */
const config = aConfig({
  workloads: [
    workloadDoc({
      maxBurstCostPerHour: 1,
      burstRegions: [
        burstRegionDoc('us-west-2', {
          costPerTaskHour: 0.05,
          maxTasks: 4,
          fargateSpot: { onDemandBase: 1, costPerTaskHour: 0.02 },
        }),
        burstRegionDoc('eu-west-1', { costPerTaskHour: 0.06 }),
      ],
    }),
    workloadDoc({ name: 'search-api', burstRegions: [burstRegionDoc('eu-west-1')] }),
  ],
  spendGuard: { maxCostPerHour: 5 },
});
const [checkout, search] = config.workloads as [
  (typeof config.workloads)[number],
  (typeof config.workloads)[number],
];

/** Two on demand and one Spot running in us-west-2, one draining in eu-west-1, one stopped; 2 pending. */
const busy = (): WorkloadState =>
  aState({
    tasks: [
      aTask({ taskId: 'od1', ecsStatus: 'RUNNING' }),
      aTask({ taskId: 'od2', capacity: 'on_demand' }),
      aTask({ taskId: 'sp1', capacity: 'spot' }),
      aTask({ taskId: 'eu1', region: 'eu-west-1', status: 'draining' }),
      aTask({ taskId: 'old', region: 'eu-west-1', status: 'stopped', ecsStatus: 'STOPPED' }),
    ],
    pendingLaunches: [
      { decisionId: 'd-1', region: 'us-west-2', count: 2, spot: 1, requestedAt: isoAt(-5), attempts: 0 },
    ],
    alerts: {
      'alertmanager:fp-latency': {
        source: 'alertmanager',
        state: 'firing',
        severity: 'critical',
        observedAt: isoAt(-60),
      },
      'alertmanager:fp-cpu': {
        source: 'alertmanager',
        state: 'resolved',
        severity: 'warning',
        observedAt: isoAt(-60),
      },
    },
  });

describe('workloadStatus', () => {
  it('splits each region into on demand and Spot, with pending launches and drains apart', () => {
    const status = workloadStatus(checkout, busy(), new Map(), at(0));

    expect(status.burstRegions).toEqual([
      {
        region: 'us-west-2',
        onDemand: 2,
        spot: 1,
        pending: 2,
        draining: 0,
        maxTasks: 4,
        // 2 × 0.05 + 1 × 0.02 running, 1 × 0.05 + 1 × 0.02 pending
        costPerHour: 0.19,
        breakerOpen: false,
        ecsError: null,
      },
      {
        region: 'eu-west-1',
        onDemand: 1,
        spot: 0,
        pending: 0,
        draining: 1,
        maxTasks: 6,
        costPerHour: 0.06,
        breakerOpen: false,
        ecsError: null,
      },
    ]);
    expect(status).toMatchObject({
      liveTasks: 6,
      maxBurstTasks: 6,
      pendingLaunches: 2,
      drainingTasks: 1,
      firingAlerts: ['alertmanager:fp-latency'],
      cost: { perHour: 0.25, maxPerHour: 1, priced: true },
    });
  });

  it('counts a failed drain as on its way out (it may still run), and a drain being called off as staying', () => {
    const status = workloadStatus(
      checkout,
      aState({
        tasks: [
          aTask({ taskId: 'failed', status: 'drain_failed' }),
          aTask({ taskId: 'kept', status: 'cancel_requested' }),
        ],
      }),
      new Map(),
      at(0),
    );
    expect(status.burstRegions[0]).toMatchObject({ onDemand: 2, draining: 1 });
  });

  it('reports ECS status where ECS answered and the recorded one where it did not', () => {
    const observed = new Map<string, ObservedTask[] | Error>([
      ['us-west-2', [{ taskArn: aTask({ taskId: 'od2' }).taskArn, lastStatus: 'PROVISIONING' }]],
      ['eu-west-1', new Error('ecs DescribeTasks failed: throttled')],
    ]);

    const status = workloadStatus(checkout, busy(), observed, at(0));

    expect(
      status.regions['us-west-2']?.map((t) => [t.taskArn.split('/').at(-1), t.ecsStatus, t.capacity]),
    ).toEqual([
      ['od1', 'RUNNING', 'on_demand'],
      ['od2', 'PROVISIONING', 'on_demand'],
      ['sp1', 'UNKNOWN', 'spot'],
    ]);
    expect(status.burstRegions.map((r) => r.ecsError)).toEqual([null, 'ecs DescribeTasks failed: throttled']);
  });

  it('shows a pause past its until as expired, and one before it as in force', () => {
    const pause = (until: string) =>
      workloadStatus(
        checkout,
        aState({
          paused: {
            since: isoAt(-600),
            reason: 'incident 42',
            commandId: 'cmd-1',
            requestedBy: 'alice',
            until,
          },
        }),
        new Map(),
        at(0),
      ).controls.paused;

    expect(pause(isoAt(-1))).toEqual({
      since: isoAt(-600),
      reason: 'incident 42',
      requestedBy: 'alice',
      commandId: 'cmd-1',
      until: isoAt(-1),
      expired: true,
    });
    expect(pause(isoAt(60))?.expired).toBe(false);
  });

  it('carries dry-run and evacuation with who and why, and null for controls not set', () => {
    const status = workloadStatus(
      checkout,
      aState({
        dryRun: { since: isoAt(-60), reason: 'new steps', commandId: 'cmd-2' },
        evacuation: { since: isoAt(-30), reason: 'dc1 maintenance', commandId: 'cmd-3', window: 'dc1-nov' },
      }),
      new Map(),
      at(0),
    );
    expect(status.controls).toEqual({
      paused: null,
      dryRun: {
        since: isoAt(-60),
        reason: 'new steps',
        requestedBy: null,
        commandId: 'cmd-2',
        until: null,
        expired: false,
      },
      evacuation: {
        since: isoAt(-30),
        reason: 'dc1 maintenance',
        requestedBy: null,
        commandId: 'cmd-3',
        until: null,
        expired: false,
        window: 'dc1-nov',
      },
    });
  });

  it('marks a workload with an unpriced region as not priced: its cost is a floor', () => {
    const status = workloadStatus(
      search,
      aState({ workload: 'search-api', tasks: [aTask({ taskId: 'a', region: 'eu-west-1' })] }),
      new Map(),
      at(0),
    );
    expect(status.cost).toEqual({ perHour: 0, maxPerHour: null, priced: false });
  });

  it('flags a region whose launch breaker is open', () => {
    const status = workloadStatus(checkout, aState(), new Map(), at(0), {
      'eu-west-1': {
        region: 'eu-west-1',
        consecutiveFailures: 3,
        openUntil: isoAt(120),
        updatedAt: isoAt(-10),
      },
    });
    expect(status.burstRegions.map((r) => [r.region, r.breakerOpen])).toEqual([
      ['us-west-2', false],
      ['eu-west-1', true],
    ]);
  });
});

describe('workloadStatus for the page', () => {
  it('lists the alerts that are pressure with source, severity, since and summary, not resolved ones', () => {
    // Prepare
    const state = busy();
    const withSummary: WorkloadState = {
      ...state,
      alerts: {
        ...state.alerts,
        'alertmanager:fp-latency': {
          source: 'alertmanager',
          state: 'firing',
          severity: 'critical',
          observedAt: isoAt(-60),
          summary: 'p99 latency above 2 s',
        },
        'grafana:quiet': {
          source: 'grafana',
          state: 'firing',
          severity: 'warning',
          observedAt: isoAt(-900),
          silentSince: isoAt(-10),
        },
      },
    };

    // Act
    const status = workloadStatus(checkout, withSummary, new Map(), at(0));

    // Assess
    expect(status.alerts).toEqual([
      {
        key: 'alertmanager:fp-latency',
        source: 'alertmanager',
        severity: 'critical',
        since: isoAt(-60),
        summary: 'p99 latency above 2 s',
        name: null,
      },
    ]);
  });

  it('shows a drain in progress with its workflow execution and when it was asked for', () => {
    // Prepare
    const state = aState({
      tasks: [
        {
          ...aTask({ taskId: 'dr1', status: 'draining' }),
          drainExecution: 'checkout-api-dr1-a1b2c3',
          drainRequestedAt: isoAt(-30),
        },
      ],
    });

    // Act
    const status = workloadStatus(checkout, state, new Map(), at(0));

    // Assess
    expect(status.regions['us-west-2']).toEqual([
      expect.objectContaining({
        status: 'draining',
        drainExecution: 'checkout-api-dr1-a1b2c3',
        drainRequestedAt: isoAt(-30),
        stopReason: null,
      }),
    ]);
  });
});

describe('recentDecisions', () => {
  it('merges the logs of every workload, newest first, up to the limit', async () => {
    // Prepare
    const logged = {
      'checkout-api': [
        { id: 'c2', workload: 'checkout-api', at: isoAt(30) },
        { id: 'c1', workload: 'checkout-api', at: isoAt(10) },
      ],
      'search-api': [
        { id: 's2', workload: 'search-api', at: isoAt(20) },
        { id: 's1', workload: 'search-api', at: isoAt(0) },
      ],
    } as unknown as Record<string, Decision[]>;
    const store = {
      recentDecisions: async (workload: string, limit = 20) => (logged[workload] ?? []).slice(0, limit),
    };

    // Act
    const timeline = await recentDecisions(config, store, 3);

    // Assess
    expect(timeline.map((d) => d.id)).toEqual(['c2', 's2', 'c1']);
  });
});

describe('statusReport', () => {
  const storeWith = (states: Record<string, WorkloadState>) => ({
    load: async (workload: string) => states[workload] ?? aState({ workload, version: 0 }),
  });

  it('totals cost and tasks over every workload, against the environment spend guard', async () => {
    const described: [string, string[]][] = [];
    const report = await statusReport({
      config,
      store: storeWith({
        'checkout-api': busy(),
        'search-api': aState({
          workload: 'search-api',
          tasks: [aTask({ taskId: 's1', region: 'eu-west-1', capacity: 'spot' })],
        }),
      }),
      compute: {
        describe: async (region, _cluster, arns) => {
          described.push([region, arns.map((a) => a.split('/').at(-1) as string)]);
          return [];
        },
      },
      now: () => at(0),
    });

    expect(report.totals).toEqual({
      liveTasks: 7,
      onDemand: 3,
      spot: 2,
      pendingLaunches: 2,
      drainingTasks: 1,
      firingAlerts: 1,
      costPerHour: 0.25,
      maxCostPerHour: 5,
      priced: false,
      unreadable: [],
    });
    expect(report.at).toBe(isoAt(0));
    expect(report.environment).toBe('local');
    // Stopped tasks are not asked about: ECS forgets them, and the record already says STOPPED.
    expect(described).toEqual([
      ['us-west-2', ['od1', 'od2', 'sp1']],
      ['eu-west-1', ['eu1']],
      ['eu-west-1', ['s1']],
    ]);
  });

  it('still reports every workload when ECS in one region cannot be asked', async () => {
    const report = await statusReport({
      config,
      store: storeWith({ 'checkout-api': busy() }),
      compute: {
        describe: async (region) => {
          if (region === 'eu-west-1') throw new Error('ecs DescribeTasks failed: region unreachable');
          return [];
        },
      },
      now: () => at(0),
    });
    expect(report.workloads.map((w) => w.workload)).toEqual(['checkout-api', 'search-api']);
    expect(report.workloads[0]?.burstRegions[1]?.ecsError).toBe(
      'ecs DescribeTasks failed: region unreachable',
    );
  });

  it('lists every burst region breaker when the store keeps them, and null when it does not', async () => {
    const deps = { config, store: storeWith({}), compute: { describe: async () => [] }, now: () => at(0) };

    const without = await statusReport(deps);
    const withHealth = await statusReport({
      ...deps,
      loadRegionHealth: async () => ({
        'us-west-2': {
          region: 'us-west-2',
          consecutiveFailures: 3,
          openUntil: isoAt(240),
          lastFailure: 'RESOURCE:FARGATE',
          lastFailureAt: isoAt(-60),
          updatedAt: isoAt(-60),
        },
        'eu-west-1': {
          region: 'eu-west-1',
          consecutiveFailures: 1,
          lastFailure: 'throttled',
          updatedAt: isoAt(-5),
        },
      }),
    });

    expect(without.regionHealth).toBeNull();
    expect(withHealth.regionHealth).toEqual([
      {
        region: 'us-west-2',
        state: 'open',
        consecutiveFailures: 3,
        openUntil: isoAt(240),
        lastFailure: 'RESOURCE:FARGATE',
        lastFailureAt: isoAt(-60),
        description: `circuit open until ${isoAt(240)} after 3 failed launches (RESOURCE:FARGATE)`,
      },
      {
        region: 'eu-west-1',
        state: 'failing',
        consecutiveFailures: 1,
        openUntil: null,
        lastFailure: 'throttled',
        lastFailureAt: null,
        description: '1 failed launch(es) in a row (throttled)',
      },
    ]);
    expect(withHealth.workloads[0]?.burstRegions.map((r) => r.breakerOpen)).toEqual([true, false]);
  });

  it('shows a breaker whose cool-off has passed as healthy again', async () => {
    const report = await statusReport({
      config: aConfig(),
      store: storeWith({}),
      compute: { describe: async () => [] },
      now: () => at(0),
      loadRegionHealth: async () => ({
        'us-west-2': {
          region: 'us-west-2',
          consecutiveFailures: 0,
          openUntil: isoAt(-1),
          updatedAt: isoAt(-400),
        },
      }),
    });
    expect(report.regionHealth?.map((b) => [b.region, b.state, b.openUntil])).toEqual([
      ['us-west-2', 'healthy', null],
      ['eu-west-1', 'healthy', null],
    ]);
  });
});
