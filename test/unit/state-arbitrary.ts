/**
 * Random workload states for property tests: every field of WorkloadState, each optional one
 * present or not, with the strings and numbers a state can hold (any Unicode in free text,
 * fractional and extreme metric values). Map keys look like the keys the core writes.
 */
import fc from 'fast-check';
import type { DrillRun } from '../../src/core/drill';
import { signalSources } from '../../src/core/signal';
import type {
  AlertOverflow,
  AlertRecord,
  BurstTask,
  PendingLaunch,
  WorkloadState,
} from '../../src/core/workload-state';

const text = fc.string({ unit: 'binary', maxLength: 40 });
const iso = fc
  .integer({ min: Date.parse('2020-01-01T00:00:00Z'), max: Date.parse('2030-01-01T00:00:00Z') })
  .map((ms) => new Date(ms).toISOString());
const count = fc.nat({ max: 1_000 });
// -0 is stored as 0 in JSON as in a DynamoDB number: the state never tells them apart.
const metric = fc.double({ noNaN: true, noDefaultInfinity: true }).map((v) => (Object.is(v, -0) ? 0 : v));
const severity = fc.constantFrom('info', 'warning', 'critical' as const);
const hex = (length: number) =>
  fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: length, maxLength: length });
/** A key as the core writes one: a prefix, then the characters alert and dedup keys allow. */
const keyOf = (prefix: string) =>
  fc.stringMatching(/^[A-Za-z0-9+=.:_/@-]{1,60}$/).map((k) => `${prefix}:${k}`);
const maybe = <T>(arbitrary: fc.Arbitrary<T>) => fc.option(arbitrary, { nil: undefined });

const task: fc.Arbitrary<BurstTask> = fc.record(
  {
    taskArn: text,
    taskId: hex(32),
    region: text,
    cluster: text,
    decisionId: text,
    startedAt: iso,
    status: fc.constantFrom(
      'running',
      'drain_requested',
      'draining',
      'cancel_requested',
      'stopped',
      'drain_failed' as const,
    ),
    ecsStatus: text,
    drainRequestedAt: iso,
    drainExecution: text,
    stoppedAt: iso,
    stopReason: text,
    privateIp: text,
    registeredTarget: fc.boolean(),
    capacity: fc.constantFrom('on_demand', 'spot' as const),
    interruptedAt: iso,
    cancelRefusedAt: iso,
    replaced: fc.boolean(),
    drainFailures: count,
    drainFailedAt: iso,
    compensating: fc.boolean(),
  },
  { requiredKeys: ['taskArn', 'taskId', 'region', 'cluster', 'decisionId', 'startedAt', 'status'] },
);

const alert: fc.Arbitrary<AlertRecord> = fc.record(
  {
    source: fc.constantFrom(...signalSources),
    state: fc.constantFrom('firing', 'resolved' as const),
    severity,
    value: metric,
    observedAt: iso,
    lastSeenAt: iso,
    silentSince: iso,
    summary: text,
    name: text,
  },
  { requiredKeys: ['source', 'state', 'severity', 'observedAt'] },
);

const overflow: fc.Arbitrary<AlertOverflow> = fc.record(
  { alerts: count, severity, value: metric, since: iso, newest: iso, lastSeenAt: iso },
  { requiredKeys: ['alerts', 'severity', 'since', 'newest', 'lastSeenAt'] },
);

const launch: fc.Arbitrary<PendingLaunch> = fc.record(
  {
    decisionId: text,
    region: text,
    count,
    spot: count,
    requestedAt: iso,
    attempts: count,
    claimedAt: iso,
    signalObservedAt: iso,
  },
  { requiredKeys: ['decisionId', 'region', 'count', 'requestedAt', 'attempts'] },
);

const drill: fc.Arbitrary<DrillRun> = fc.record(
  {
    drillId: text,
    region: text,
    cluster: text,
    requestedAt: iso,
    requestedBy: text,
    phase: fc.constantFrom('starting', 'started', 'draining' as const),
    taskArn: text,
    ecsStatus: text,
    privateIp: text,
    runningAt: iso,
    healthyAt: iso,
    registeredTarget: fc.boolean(),
    drainRequestedAt: iso,
    drainExecution: text,
    error: text,
  },
  { requiredKeys: ['drillId', 'region', 'cluster', 'requestedAt', 'phase'] },
);

const command = { since: iso, reason: text, commandId: text, requestedBy: maybe(text) };

export const workloadStateArbitrary: fc.Arbitrary<WorkloadState> = fc.record(
  {
    workload: fc.stringMatching(/^[a-z][a-z0-9-]{0,39}$/),
    version: fc.nat(),
    alerts: fc.dictionary(keyOf('alertmanager'), alert, { maxKeys: 8 }),
    alertOverflow: overflow,
    forgotten: fc.dictionary(fc.nat({ max: 255 }).map(String), iso, { maxKeys: 8 }),
    applied: fc.dictionary(keyOf('grafana'), iso, { maxKeys: 8 }),
    lastScaleOutAt: iso,
    lastScaleInAt: iso,
    pendingLaunches: fc.array(launch, { maxLength: 3 }),
    tasks: fc
      .array(task, { maxLength: 6 })
      .map((tasks) => Object.fromEntries(tasks.map((t) => [t.taskId, t]))),
    desiredTasks: count,
    replacements: fc.array(iso, { maxLength: 3 }),
    paused: fc.record({ ...command, until: maybe(iso) }),
    dryRun: fc.record(command),
    evacuation: fc.record({
      ...command,
      until: maybe(iso),
      window: maybe(text),
      exceedSpendGuard: maybe(fc.boolean()),
    }),
    controlsIssuedAt: fc.record({ pause: iso, dryRun: iso, evacuation: iso }, { requiredKeys: [] }),
    drills: fc.dictionary(keyOf('region'), drill, { maxKeys: 3 }),
    updatedAt: iso,
  },
  { requiredKeys: ['workload', 'version', 'alerts', 'applied', 'pendingLaunches', 'tasks'] },
);
