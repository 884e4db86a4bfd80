import { describe, expect, it } from 'vitest';
import { MAX_BURST_TASKS } from '../../../src/config/schema';
import {
  FORGOTTEN_BUCKETS,
  forget,
  keptSummary,
  MAX_APPLIED_KEYS,
  MAX_STOPPED_TASKS,
  MAX_SUMMARISED_ALERTS,
  MAX_TRACKED_ALERTS,
} from '../../../src/core/memory';
import { MAX_REPLACEMENTS } from '../../../src/core/replacements';
import {
  type AlertRecord,
  type BurstTask,
  emptyWorkloadState,
  STOP_REASON_MAX,
  type WorkloadState,
} from '../../../src/core/workload-state';
import { at } from '../factories';

/** DynamoDB's item size limit, which one workload's state item must never reach. */
const ITEM_LIMIT_BYTES = 400 * 1024;

/** Measured the way the simulation's table measures an item: the UTF-8 length of it as JSON. */
const itemBytes = (state: WorkloadState) =>
  Buffer.byteLength(
    JSON.stringify({ pk: `WORKLOAD#${state.workload}`, sk: 'STATE', version: state.version, state }),
    'utf8',
  );

// The longest identifiers the edges let through (config schema, normalisers, ECS, Step Functions).
const WORKLOAD = 'w'.repeat(40);
const CLUSTER = 'c'.repeat(64);
const REGION = 'ap-southeast-4';
const ALERT_KEY = (i: number) => `alertmanager:${String(i).padStart(160, 'k')}`;
const COMMAND_KEY = (i: number) => `command:${String(i).padStart(128, 'i')}`;
const REASON = 'r'.repeat(500);
const ISO = at(0).toISOString();

const task = (i: number, status: BurstTask['status']): BurstTask => {
  const taskId = String(i).padStart(32, 'f');
  return {
    taskArn: `arn:aws:ecs:${REGION}:123456789012:task/${CLUSTER}/${taskId}`,
    taskId,
    region: REGION,
    cluster: CLUSTER,
    decisionId: `d-${'0'.repeat(24)}`,
    startedAt: ISO,
    status,
    ecsStatus: 'DEACTIVATING',
    drainRequestedAt: ISO,
    drainExecution: `arn:aws:states:${REGION}:123456789012:execution:spillway-drain-staging:${'x'.repeat(80)}`,
    stoppedAt: ISO,
    stopReason: 's'.repeat(STOP_REASON_MAX),
    privateIp: '100.100.100.100',
    registeredTarget: true,
    capacity: 'on_demand',
    interruptedAt: ISO,
    cancelRefusedAt: ISO,
    replaced: true,
    drainFailures: 99,
    drainFailedAt: ISO,
    compensating: true,
  };
};

const alert = (): AlertRecord => ({
  source: 'alertmanager',
  state: 'firing',
  severity: 'critical',
  value: -1.234567890123456e-300,
  observedAt: ISO,
  lastSeenAt: ISO,
  silentSince: ISO,
});

/** The longest summary the state keeps, in the characters UTF-8 spends most bytes on per unit. */
const LONGEST_SUMMARY = keptSummary('€'.repeat(256));

/** Summaries on as many alerts as the policy gives one (it gives none to the rest). */
function withSummaries(state: WorkloadState): WorkloadState {
  const alerts = Object.entries(state.alerts).map(([key, record], i) =>
    i < MAX_SUMMARISED_ALERTS
      ? [key, { ...record, summary: LONGEST_SUMMARY, name: keptSummary('€'.repeat(64)) }]
      : [key, record],
  );
  return { ...state, alerts: Object.fromEntries(alerts) };
}

describe('the size of one workload state item', () => {
  it('stays below 400 KB at every cap, with the longest identifiers the edges allow', () => {
    // Prepare: more of everything than the caps keep; forget() trims what it may
    const who = {
      since: ISO,
      reason: REASON,
      commandId: 'i'.repeat(128),
      requestedBy: 'b'.repeat(128),
      until: ISO,
    };
    const state: WorkloadState = {
      ...emptyWorkloadState(WORKLOAD),
      version: Number.MAX_SAFE_INTEGER,
      alerts: Object.fromEntries(
        Array.from({ length: MAX_TRACKED_ALERTS * 3 }, (_, i) => [ALERT_KEY(i), alert()]),
      ),
      alertOverflow: {
        alerts: 1e9,
        severity: 'critical',
        value: 1e300,
        since: ISO,
        newest: ISO,
        lastSeenAt: ISO,
      },
      forgotten: Object.fromEntries(Array.from({ length: FORGOTTEN_BUCKETS }, (_, i) => [String(i), ISO])),
      applied: Object.fromEntries(
        Array.from({ length: MAX_APPLIED_KEYS * 2 }, (_, i) => [COMMAND_KEY(i), at(3600).toISOString()]),
      ),
      tasks: Object.fromEntries(
        [
          ...Array.from({ length: MAX_BURST_TASKS }, (_, i) => task(i, 'draining')),
          ...Array.from({ length: MAX_STOPPED_TASKS * 2 }, (_, i) => task(MAX_BURST_TASKS + i, 'stopped')),
        ].map((t) => [t.taskId, t]),
      ),
      replacements: Array.from({ length: MAX_REPLACEMENTS }, () => ISO),
      desiredTasks: MAX_BURST_TASKS,
      lastScaleInAt: ISO,
      lastScaleOutAt: ISO,
      paused: who,
      dryRun: who,
      evacuation: { ...who, window: 'w'.repeat(64) },
      updatedAt: ISO,
    };

    // Act: forget() trims what is over a cap (to three quarters of it, to sort rarely); the largest
    // state it leaves alone is one exactly at every cap
    const bounded = forget(state, at(60));
    const atCaps = withSummaries({
      ...bounded,
      alerts: Object.fromEntries(Object.entries(state.alerts).slice(0, MAX_TRACKED_ALERTS)),
      applied: Object.fromEntries(Object.entries(state.applied).slice(0, MAX_APPLIED_KEYS)),
      tasks: Object.fromEntries(Object.entries(state.tasks).slice(0, MAX_BURST_TASKS + MAX_STOPPED_TASKS)),
    });

    // Assess: what the caps keep, and the size of the largest state they allow
    expect(Object.keys(bounded.alerts).length).toBeLessThanOrEqual(MAX_TRACKED_ALERTS);
    expect(Object.keys(bounded.applied).length).toBeLessThanOrEqual(MAX_APPLIED_KEYS);
    expect(Object.values(bounded.tasks).filter((t) => t.status === 'stopped').length).toBeLessThanOrEqual(
      MAX_STOPPED_TASKS,
    );
    expect(forget(atCaps, at(60))).toEqual(atCaps);
    expect(itemBytes(atCaps)).toBeLessThan(ITEM_LIMIT_BYTES);
  });
});
