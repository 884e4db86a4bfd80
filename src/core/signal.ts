/** Where a signal came from; each source has one normaliser at the edge. */
export type SignalSource = 'alertmanager' | 'cloudwatch' | 'operator';

export type SignalState = 'firing' | 'resolved';

export type Severity = 'info' | 'warning' | 'critical';

/**
 * One normalised observation about a workload's pressure. Every source format is translated
 * into this shape at the edge; the core never sees a source's own payload.
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
}

/** A signal as it travels on the queue. */
export interface SignalEnvelope {
  readonly kind: 'signal';
  readonly version: 1;
  readonly signal: Signal;
}
