import type { OperatorCommand } from './command';

/**
 * Where a signal came from; each source has one normaliser at the edge. CloudWatch alarms count as
 * one source whether EventBridge or SNS delivered them, so both transports share alert and dedup keys.
 */
export const signalSources = [
  'alertmanager',
  'grafana',
  'zabbix',
  'datadog',
  'icinga',
  'nagios',
  'cloudwatch',
  'generic',
  'operator',
] as const;

export type SignalSource = (typeof signalSources)[number];

export type SignalState = 'firing' | 'resolved';

export type Severity = 'info' | 'warning' | 'critical';

/**
 * One normalised observation about a workload's pressure. Every source format is translated
 * into this shape at the edge; the core never sees a source's own payload.
 *
 * `workload`, `alertKey` and `dedupKey` are built from letters, digits and `+ - = . _ : / @` only
 * and stay under 256 characters, so they are safe as DynamoDB keys, log fields and ECS tag values.
 * `summary` is free text with control and bidi characters removed, at most 256 characters.
 */
export interface Signal {
  /** Stable id derived from the dedup key, so the same episode always gets the same id. */
  readonly id: string;
  readonly source: SignalSource;
  readonly workload: string;
  /**
   * Identity of the alert within its source (Alertmanager fingerprint, alarm ARN): the unit that
   * fires and resolves. Scale-in waits until every alert key of a workload is resolved.
   */
  readonly alertKey: string;
  readonly state: SignalState;
  readonly severity: Severity;
  readonly value?: number;
  /** ISO-8601 time the source observed this state; orders signals of one alert key. */
  readonly observedAt: string;
  /** One alert episode in one state: redeliveries of it carry the same key. */
  readonly dedupKey: string;
  readonly summary?: string;
  /** What people call the alert (Alertmanager's alertname, the alarm's name…), at most 64 characters. */
  readonly name?: string;
}

/**
 * One signal as it travels on the queue: what ingest sent before signals were batched. Still
 * accepted by the decide function, for messages already in flight during a deploy.
 */
export interface SignalEnvelope {
  readonly kind: 'signal';
  readonly version: 1;
  readonly signal: Signal;
}

/**
 * All signals of one webhook delivery for one workload: an alert storm of hundreds of alerts
 * becomes one queue message, hence one decision. Split only when it would exceed the SQS size limit.
 */
export interface SignalBatchEnvelope {
  readonly kind: 'signals';
  readonly version: 1;
  readonly workload: string;
  readonly signals: readonly Signal[];
}

/** One operator command (`spillway burst|drain|pause|resume|dry-run`), sent by the CLI. */
export interface CommandEnvelope {
  readonly kind: 'command';
  readonly version: 1;
  readonly command: OperatorCommand;
}

/** Where a site's heartbeat came from: `POST /heartbeats/<site>`, or Alertmanager's Watchdog alert. */
export type HeartbeatSource = 'http' | 'alertmanager-watchdog';

/** A site saying it is alive: the decide function records it on the site's item, nothing more. */
export interface Heartbeat {
  readonly site: string;
  /** When Spillway received it (ISO-8601, UTC with milliseconds): the sender's clock is not trusted. */
  readonly at: string;
  readonly source: HeartbeatSource;
}

/** One heartbeat on the signals queue: its own kind, so it can never be taken for pressure. */
export interface HeartbeatEnvelope {
  readonly kind: 'heartbeat';
  readonly version: 1;
  readonly heartbeat: Heartbeat;
}

/** What the ingest function puts on the signals queue. */
export type QueueEnvelope = SignalEnvelope | SignalBatchEnvelope;

/** Everything the decide function reads from the signals queue besides alarm events: ingest's and the CLI's. */
export type DecideEnvelope = QueueEnvelope | CommandEnvelope | HeartbeatEnvelope;
