/**
 * Event and state factories for the unit tests: each builds a valid default and takes only the
 * fields a test cares about, so a test reads as "a firing signal for alert A, 30 s ago" instead of
 * a pasted blob. Real sample payloads live in `test/fixtures/` (see `_source.md` there).
 */
import { readFileSync } from 'node:fs';
import { parseConfig } from '../../src/config/load';
import type { SpillwayConfig, WorkloadConfig } from '../../src/config/schema';
import type { OperatorCommand } from '../../src/core/command';
import { digest } from '../../src/core/ids';
import type { Severity, Signal, SignalEnvelope, SignalSource, SignalState } from '../../src/core/signal';
import type { AlertRecord, BurstTask, WorkloadState } from '../../src/core/workload-state';
import type { QueueMessage } from '../../src/usecases/process-batch';

// ---------------------------------------------------------------------------------------------
// Time: every test runs at T0 unless it says otherwise; offsets are in seconds.
// ---------------------------------------------------------------------------------------------

export const T0_ISO = '2026-03-01T12:00:00.000Z';
const T0 = Date.parse(T0_ISO);

/** The instant `seconds` after T0 (negative: before). */
export const at = (seconds: number): Date => new Date(T0 + seconds * 1000);

/** `at(seconds)` as the ISO string the core stores. */
export const isoAt = (seconds: number): string => at(seconds).toISOString();

// ---------------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------------

/** A JSON sample payload from `test/fixtures/`, parsed afresh on every call (tests may mutate it). */
export function fixture(path: string): unknown {
  return JSON.parse(readFileSync(new URL(`../fixtures/${path}`, import.meta.url), 'utf8'));
}

/** Structured clone for plain JSON data. */
export const cloneJson = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

// ---------------------------------------------------------------------------------------------
// Configuration: documents as a user writes them, parsed by the real schema so defaults apply.
// ---------------------------------------------------------------------------------------------

export type Document = Record<string, unknown>;

export function burstRegionDoc(region: string, overrides: Document = {}): Document {
  return {
    region,
    cluster: 'spillway-burst',
    taskDefinition: {
      family: 'checkout-api',
      image: 'public.ecr.aws/nginx/nginx:stable',
      cpu: 256,
      memoryMiB: 512,
      containerPort: 8080,
    },
    network: { subnets: ['subnet-0a1b2c3d4e5f60001'], securityGroups: ['sg-0a1b2c3d4e5f60001'] },
    ...overrides,
  };
}

export function workloadDoc(overrides: Document = {}): Document {
  return {
    name: 'checkout-api',
    homeSite: 'onprem-dc1',
    burstRegions: [burstRegionDoc('us-west-2'), burstRegionDoc('eu-west-1')],
    minBurstTasks: 0,
    maxBurstTasks: 6,
    scaleOutStep: 2,
    scaleInStep: 1,
    scaleOutCooldownSeconds: 60,
    scaleInCooldownSeconds: 300,
    drainSeconds: 30,
    ...overrides,
  };
}

export function configDoc(overrides: Document = {}): Document {
  return {
    environment: 'local',
    controlRegion: 'us-east-1',
    sites: [{ id: 'onprem-dc1', kind: 'onprem' }],
    workloads: [
      workloadDoc(),
      workloadDoc({ name: 'search-api', burstRegions: [burstRegionDoc('eu-west-1')] }),
    ],
    signals: {
      alertmanager: { workloadLabel: 'workload' },
      cloudwatch: {
        alarms: [
          { alarmName: 'checkout-api-', match: 'prefix', workload: 'checkout-api', severity: 'critical' },
          { alarmName: 'search-api-latency-high', match: 'exact', workload: 'search-api' },
        ],
      },
    },
    ...overrides,
  };
}

/** A validated configuration: two workloads (checkout-api, search-api) unless overridden. */
export function aConfig(overrides: Document = {}): SpillwayConfig {
  return parseConfig(configDoc(overrides), 'factory');
}

/** One validated workload: checkout-api bursting to us-west-2 then eu-west-1, max 6, unless overridden. */
export function aWorkload(overrides: Document = {}): WorkloadConfig {
  const config = aConfig({ workloads: [workloadDoc(overrides)], signals: {} });
  const [workload] = config.workloads;
  if (!workload) throw new Error('factory produced no workload');
  return workload;
}

// ---------------------------------------------------------------------------------------------
// Signals
// ---------------------------------------------------------------------------------------------

export interface SignalSpec {
  readonly source?: SignalSource;
  readonly workload?: string;
  readonly alertKey?: string;
  readonly state?: SignalState;
  readonly severity?: Severity;
  /** Seconds after T0. */
  readonly observedAt?: number;
  readonly dedupKey?: string;
  readonly value?: number;
}

/** A normalised signal; its dedup key follows the alert, state and time, as the normalisers' keys do. */
export function aSignal(spec: SignalSpec = {}): Signal {
  const source = spec.source ?? 'alertmanager';
  const alertKey = spec.alertKey ?? 'alertmanager:fp-latency';
  const state = spec.state ?? 'firing';
  const observedAt = isoAt(spec.observedAt ?? 0);
  const dedupKey = spec.dedupKey ?? `${source}:${digest([alertKey, observedAt, state])}`;
  return {
    id: `sig-${digest([dedupKey], 20)}`,
    source,
    workload: spec.workload ?? 'checkout-api',
    alertKey,
    state,
    severity: spec.severity ?? 'critical',
    ...(spec.value !== undefined ? { value: spec.value } : {}),
    observedAt,
    dedupKey,
  };
}

export const firing = (alertKey: string, observedAt: number, spec: SignalSpec = {}): Signal =>
  aSignal({ ...spec, alertKey, observedAt, state: 'firing' });

export const resolved = (alertKey: string, observedAt: number, spec: SignalSpec = {}): Signal =>
  aSignal({ ...spec, alertKey, observedAt, state: 'resolved' });

/** How a signal travels on the queue, as the ingest function writes it. */
export const envelopeOf = (signal: Signal): SignalEnvelope => ({ kind: 'signal', version: 1, signal });

export const queueMessage = (messageId: string, body: unknown): QueueMessage => ({
  messageId,
  body: typeof body === 'string' ? body : JSON.stringify(body),
});

// ---------------------------------------------------------------------------------------------
// Workload state and burst tasks
// ---------------------------------------------------------------------------------------------

export const ACCOUNT = '123456789012';

export const taskArnOf = (region: string, cluster: string, taskId: string): string =>
  `arn:aws:ecs:${region}:${ACCOUNT}:task/${cluster}/${taskId}`;

export interface TaskSpec extends Partial<Omit<BurstTask, 'taskId' | 'taskArn'>> {
  readonly taskId: string;
}

/** A burst task recorded in state; running in us-west-2 and started an hour before T0 unless told. */
export function aTask(spec: TaskSpec): BurstTask {
  const region = spec.region ?? 'us-west-2';
  const cluster = spec.cluster ?? 'spillway-burst';
  return {
    decisionId: 'd-000000000000000000000000',
    startedAt: isoAt(-3600),
    status: 'running',
    ...spec,
    region,
    cluster,
    taskArn: taskArnOf(region, cluster, spec.taskId),
  };
}

export const alertRecord = (
  state: SignalState,
  observedAt: number,
  severity: Severity = 'critical',
): AlertRecord => ({
  source: 'alertmanager',
  state,
  severity,
  observedAt: isoAt(observedAt),
});

export interface StateSpec extends Partial<Omit<WorkloadState, 'tasks'>> {
  readonly tasks?: readonly BurstTask[];
}

/** Workload state with the given tasks (a list, keyed by task id here). */
export function aState(spec: StateSpec = {}): WorkloadState {
  const { tasks = [], ...rest } = spec;
  return {
    workload: 'checkout-api',
    version: 7,
    alerts: {},
    applied: {},
    pendingLaunches: [],
    ...rest,
    tasks: Object.fromEntries(tasks.map((task) => [task.taskId, task])),
  };
}

// ---------------------------------------------------------------------------------------------
// Alertmanager webhook bodies (version 4)
// ---------------------------------------------------------------------------------------------

export interface AlertmanagerAlertSpec {
  readonly status?: 'firing' | 'resolved';
  /** Merged into the default labels; `undefined` removes a label. */
  readonly labels?: Readonly<Record<string, string | undefined>>;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly startsAt?: string;
  readonly endsAt?: string;
  /** `null` leaves the field out, as Alertmanager versions before 0.19 did. */
  readonly fingerprint?: string | null;
}

export function alertmanagerAlert(spec: AlertmanagerAlertSpec = {}): Document {
  const status = spec.status ?? 'firing';
  const labels = Object.fromEntries(
    Object.entries({
      alertname: 'CheckoutLatencyHigh',
      instance: 'checkout-api-7.onprem-dc1.example.net:8080',
      severity: 'critical',
      workload: 'checkout-api',
      ...spec.labels,
    }).filter(([, value]) => value !== undefined),
  );
  return {
    status,
    labels,
    annotations: spec.annotations ?? { summary: 'checkout-api p99 latency above 800ms' },
    startsAt: spec.startsAt ?? '2026-03-01T11:58:30.123456789Z',
    endsAt: spec.endsAt ?? (status === 'firing' ? '0001-01-01T00:00:00Z' : '2026-03-01T12:20:00Z'),
    generatorURL: 'http://prometheus.onprem-dc1.example.net:9090/graph?g0.expr=up&g0.tab=1',
    ...(spec.fingerprint === null ? {} : { fingerprint: spec.fingerprint ?? '3a5b8c1d2e4f6071' }),
  };
}

/** A webhook body around the given alerts; its status is firing when any alert fires. */
export function alertmanagerPayload(alerts: readonly Document[], overrides: Document = {}): Document {
  return {
    version: '4',
    groupKey: '{}:{alertname="CheckoutLatencyHigh"}',
    truncatedAlerts: 0,
    status: alerts.some((alert) => alert.status === 'firing') ? 'firing' : 'resolved',
    receiver: 'spillway',
    groupLabels: { alertname: 'CheckoutLatencyHigh' },
    commonLabels: { alertname: 'CheckoutLatencyHigh' },
    commonAnnotations: {},
    externalURL: 'http://alertmanager.onprem-dc1.example.net:9093',
    alerts,
    ...overrides,
  };
}

// ---------------------------------------------------------------------------------------------
// CloudWatch alarm state changes, as EventBridge delivers them
// ---------------------------------------------------------------------------------------------

export interface AlarmEventSpec {
  readonly alarmName?: string;
  readonly value?: 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';
  /** CloudWatch's own format: `2026-03-01T12:00:05.123+0000`. */
  readonly timestamp?: string;
  readonly reason?: string;
  readonly region?: string;
}

export const alarmArnOf = (alarmName: string, region = 'us-east-1'): string =>
  `arn:aws:cloudwatch:${region}:${ACCOUNT}:alarm:${alarmName}`;

export function alarmEvent(spec: AlarmEventSpec = {}): Document {
  const alarmName = spec.alarmName ?? 'checkout-api-latency-p99';
  const region = spec.region ?? 'us-east-1';
  return {
    version: '0',
    id: 'c4c1c1c9-6542-e61b-6ef0-8c4d36933a92',
    'detail-type': 'CloudWatch Alarm State Change',
    source: 'aws.cloudwatch',
    account: ACCOUNT,
    time: '2026-03-01T12:00:05Z',
    region,
    resources: [alarmArnOf(alarmName, region)],
    detail: {
      alarmName,
      state: {
        value: spec.value ?? 'ALARM',
        reason:
          spec.reason ?? 'Threshold Crossed: 1 out of the last 1 datapoints was greater than the threshold',
        timestamp: spec.timestamp ?? '2026-03-01T12:00:05.123+0000',
      },
      previousState: { value: 'OK', timestamp: '2026-03-01T11:00:00.000+0000' },
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Operator commands
// ---------------------------------------------------------------------------------------------

export interface CommandSpec extends Partial<Omit<OperatorCommand, 'issuedAt'>> {
  readonly action: OperatorCommand['action'];
  /** Seconds after T0. */
  readonly issuedAt?: number;
}

/** An operator command for checkout-api, issued at T0, with id and reason filled in unless given. */
export function aCommand(spec: CommandSpec): OperatorCommand {
  const { issuedAt, ...rest } = spec;
  return {
    id: `cmd-${spec.action}-${issuedAt ?? 0}`,
    workload: 'checkout-api',
    reason: 'peak sale traffic',
    requestedBy: 'sre-alice',
    ...rest,
    issuedAt: isoAt(issuedAt ?? 0),
  };
}
