import { describe, expect, it } from 'vitest';
import { renderStatus } from '../../../src/cli/render-status';
import type { RegionHealthMap } from '../../../src/core/region-health';
import type { WorkloadState } from '../../../src/core/workload-state';
import { type StatusReport, summarise, workloadStatus } from '../../../src/usecases/status';
import { aConfig, aState, aTask, at, burstRegionDoc, isoAt, workloadDoc } from '../factories';

const config = aConfig({
  workloads: [
    workloadDoc({
      maxBurstCostPerHour: 0.15,
      burstRegions: [
        burstRegionDoc('us-west-2', { costPerTaskHour: 0.05, fargateSpot: { costPerTaskHour: 0.02 } }),
        burstRegionDoc('eu-west-1', { costPerTaskHour: 0.06 }),
      ],
    }),
    workloadDoc({
      name: 'search-api',
      burstRegions: [burstRegionDoc('eu-west-1', { costPerTaskHour: 0.06 })],
    }),
  ],
  spendGuard: { maxCostPerHour: 2 },
});

const report = (states: Record<string, WorkloadState>, health?: RegionHealthMap): StatusReport =>
  summarise(
    config,
    config.workloads.map((w) =>
      workloadStatus(w, states[w.name] ?? aState({ workload: w.name }), new Map(), at(0), health),
    ),
    health,
    at(0),
  );

/** The cells of the table line that starts with `label`, split where columns are two spaces apart. */
const row = (text: string, label: string): string[] => {
  const line = text.split('\n').find((l) => l.startsWith(label));
  if (!line) throw new Error(`no line for ${label} in\n${text}`);
  return line.trim().split(/ {2,}/);
};

const checkout = () =>
  aState({
    tasks: [
      aTask({ taskId: 'a' }),
      aTask({ taskId: 'b', capacity: 'spot' }),
      aTask({ taskId: 'c', region: 'eu-west-1', status: 'drain_requested' }),
    ],
    pendingLaunches: [
      { decisionId: 'd-1', region: 'us-west-2', count: 1, requestedAt: isoAt(-5), attempts: 0 },
    ],
    alerts: {
      'alertmanager:fp-latency': {
        source: 'alertmanager',
        state: 'firing',
        severity: 'critical',
        observedAt: isoAt(-60),
      },
    },
  });

describe('renderStatus', () => {
  it('shows each workload with its tasks split by capacity, per region, with cost against its guard', () => {
    const text = renderStatus(report({ 'checkout-api': checkout() }));

    expect(row(text, 'WORKLOAD')).toEqual([
      'WORKLOAD',
      'HOME',
      'BURST',
      'ON-DEM',
      'SPOT',
      'PEND',
      'DRAIN',
      'ALERTS',
      'COST/H',
      'GUARD/H',
      'CONTROLS',
    ]);
    // 0.05 + 0.02 running and 0.05 pending in us-west-2, 0.06 draining in eu-west-1
    expect(row(text, 'checkout-api')).toEqual([
      'checkout-api',
      'onprem-dc1',
      '4/6',
      '2',
      '1',
      '1',
      '1',
      '1',
      '0.1800',
      '0.1500',
      'AT SPEND GUARD',
    ]);
    expect(row(text, '  us-west-2')).toEqual(['us-west-2', '3/6', '1', '1', '1', '0', '0.1200']);
    expect(row(text, '  eu-west-1')).toEqual(['eu-west-1', '1/6', '1', '0', '0', '1', '0.0600']);
    expect(text).toContain('    firing: alertmanager:fp-latency');
    // An idle workload is one line, no region lines under it.
    expect(row(text, 'search-api')).toEqual([
      'search-api',
      'onprem-dc1',
      '0/6',
      '0',
      '0',
      '0',
      '0',
      '0',
      '0.0000',
      '-',
    ]);
    expect(row(text, 'TOTAL')).toEqual(['TOTAL', '4', '2', '1', '1', '1', '1', '0.1800', '2.0000']);
    expect(text.split('\n')[1]).toBe(
      '4 burst task(s): 2 on demand, 1 Spot, 1 pending, 1 draining · 1 alert(s) firing · cost ≈0.1800/h, spend guard 2.0000/h',
    );
  });

  it('shows a pause in force with who, why and until, and an expired one as expired', () => {
    const paused = (until: number) =>
      renderStatus(
        report({
          'checkout-api': aState({
            paused: {
              since: isoAt(-600),
              reason: 'incident 42',
              commandId: 'cmd-1',
              requestedBy: 'alice',
              until: isoAt(until),
            },
          }),
        }),
      );

    const inForce = paused(60);
    const expired = paused(-1);

    expect(row(inForce, 'checkout-api').at(-1)).toBe('PAUSED');
    expect(inForce).toContain(
      '    paused since 2026-03-01T11:50:00Z by alice until 2026-03-01T12:01:00Z: "incident 42"',
    );
    expect(row(expired, 'checkout-api').at(-1)).toBe('pause expired');
    expect(expired).toContain(
      '    paused since 2026-03-01T11:50:00Z by alice until 2026-03-01T11:59:59Z (expired): "incident 42"',
    );
  });

  it('shows dry-run and evacuation among the controls', () => {
    const text = renderStatus(
      report({
        'search-api': aState({
          workload: 'search-api',
          dryRun: { since: isoAt(-60), reason: 'new steps', commandId: 'cmd-2', requestedBy: 'bob' },
          evacuation: { since: isoAt(-30), reason: 'dc1 power work', commandId: 'cmd-3', until: isoAt(3600) },
        }),
      }),
    );
    expect(row(text, 'search-api').at(-1)).toBe('DRY-RUN, EVACUATING');
    expect(text).toContain('    dry-run since 2026-03-01T11:59:00Z by bob: "new steps"');
    expect(text).toContain(
      '    evacuating since 2026-03-01T11:59:30Z until 2026-03-01T13:00:00Z: "dc1 power work"',
    );
  });

  it('lists the launch breakers, open ones with until when and why', () => {
    const text = renderStatus(
      report(
        { 'checkout-api': checkout() },
        {
          'eu-west-1': {
            region: 'eu-west-1',
            consecutiveFailures: 3,
            openUntil: isoAt(300),
            lastFailure: 'RESOURCE:FARGATE',
            lastFailureAt: isoAt(-2),
            updatedAt: isoAt(-2),
          },
        },
      ),
    );

    expect(row(text, 'BURST REGION')).toEqual(['BURST REGION', 'LAUNCH BREAKER', 'FAILURES', 'DETAIL']);
    expect(row(text, 'us-west-2')).toEqual(['us-west-2', 'healthy', '0']);
    expect(row(text, 'eu-west-1')).toEqual([
      'eu-west-1',
      'OPEN',
      '3',
      'skipped until 2026-03-01T12:05:00Z; last failure: RESOURCE:FARGATE',
    ]);
    expect(row(text, '  eu-west-1').at(-1)).toBe('breaker OPEN');
  });

  it('says so when the state store reports no breakers', () => {
    expect(renderStatus(report({}))).toMatch(/\nlaunch breakers: not reported by this state store$/);
  });

  it('marks a cost with unpriced regions as a floor', () => {
    const unpriced = aConfig();
    const text = renderStatus(
      summarise(
        unpriced,
        [
          workloadStatus(
            unpriced.workloads[0] as never,
            aState({ tasks: [aTask({ taskId: 'a' })] }),
            new Map(),
            at(0),
          ),
        ],
        undefined,
        at(0),
      ),
    );
    expect(row(text, 'checkout-api')[8]).toBe('n/a');
    expect(text).toContain('cost ≈n/a/h, no spend guard');
  });

  it('keeps every line within 120 columns, however long the names and reasons', () => {
    const long = aConfig({
      workloads: [workloadDoc({ name: 'a'.repeat(40), homeSite: 's'.repeat(40) })],
      sites: [{ id: 's'.repeat(40), kind: 'onprem' }],
      signals: {},
    });
    const state = aState({
      workload: 'a'.repeat(40),
      tasks: [aTask({ taskId: 'a' })],
      alerts: Object.fromEntries(
        Array.from({ length: 20 }, (_, i) => [
          `alertmanager:fingerprint-${i}`,
          { source: 'alertmanager', state: 'firing', severity: 'critical', observedAt: isoAt(-60) },
        ]),
      ),
      paused: {
        since: isoAt(-600),
        reason: 'r'.repeat(500),
        commandId: 'cmd-1',
        requestedBy: 'someone',
        until: isoAt(60),
      },
      dryRun: { since: isoAt(-60), reason: 'x', commandId: 'cmd-2' },
      evacuation: { since: isoAt(-60), reason: 'y', commandId: 'cmd-3', until: isoAt(-1) },
    });
    const health = {
      'us-west-2': {
        region: 'us-west-2',
        consecutiveFailures: 9,
        openUntil: isoAt(60),
        lastFailure: 'f'.repeat(300),
        updatedAt: isoAt(0),
      },
    };

    const text = renderStatus(
      summarise(
        long,
        [workloadStatus(long.workloads[0] as never, state, new Map(), at(0), health)],
        health,
        at(0),
      ),
    );

    const widest = Math.max(...text.split('\n').map((line) => line.length));
    expect(widest).toBeLessThanOrEqual(120);
    // The short words may be cut; the lines under the row say it all.
    expect(row(text, 'aaaa').at(-1)).toMatch(/^PAUSED, DRY-RUN, /);
    expect(text).toContain(
      '    evacuating since 2026-03-01T11:59:00Z until 2026-03-01T11:59:59Z (expired): "y"',
    );
  });
});
