import type { BurstCompute } from '../adapters/burst-compute';
import type { DrainLedger } from '../adapters/drain-ledger';
import type { DrainStarter } from '../adapters/drain-starter';
import type { DrillResults } from '../adapters/drill-results';
import type { StateStore } from '../adapters/state-store';
import type { TargetGroups } from '../adapters/target-groups';
import type { SiteHeartbeatConfig, SpillwayConfig } from '../config/schema';
import type { DecideEnvelope } from '../core/signal';
import type { ProbeResult, SiteRecord } from '../core/site-health';
import type { LaunchPacing } from './launch-pacer';
import type { Metrics } from './metrics';

/** The one ledger call that calls a drain off. */
export type DrainCanceller = Pick<DrainLedger, 'cancel'>;

/** Fetches SNS signing certificates and confirms subscriptions: the two calls SNS needs back. */
export interface SnsPort {
  /** The PEM at an allowed SigningCertURL (cached by the adapter). */
  certificate(url: string): Promise<string>;
  /** GETs an allowed SubscribeURL. */
  confirmSubscription(url: string): Promise<void>;
}

/** Where readiness drill results are kept: the last per workload and region. */
export type DrillResultStore = Pick<DrillResults, 'record'>;

/** Structured logging, as Powertools' Logger provides it. */
export interface Log {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** What deciding and acting need; each port lists only the calls used, so a fake is short. */
export interface DecideDeps {
  readonly config: SpillwayConfig;
  readonly store: Pick<
    StateStore,
    | 'load'
    | 'loadForDecision'
    | 'commit'
    | 'logDecision'
    | 'recordMessageFailure'
    | 'loadStates'
    | 'loadRegionHealth'
    | 'saveRegionHealth'
  >;
  /** Listing is only for a launch tried again: it finds what an earlier try started. */
  readonly compute: Pick<BurstCompute, 'runBurstTasks' | 'listStartedBySpillway'>;
  /** Fargate's launch quotas, shared by the process; waiting and jitter come from it too. */
  readonly pacer: LaunchPacing;
  readonly drains: Pick<DrainStarter, 'start'>;
  /** Calling a drain off is a conditional write in its region's drain ledger. */
  readonly ledger: DrainCanceller;
  readonly drainLedgerTable: string;
  readonly clock: () => Date;
  readonly log: Log;
  /** Absent: nothing is recorded (unit tests, tools). */
  readonly metrics?: Metrics;
  /** The watched sites' items (heartbeats, loss); absent: heartbeats are not recorded, sites not checked. */
  readonly sites?: SitesPort;
  /** Absent: readiness drills are refused (wiring that does not carry them out). */
  readonly drillResults?: DrillResultStore;
}

export interface ReconcileDeps extends DecideDeps {
  readonly compute: Pick<BurstCompute, 'runBurstTasks' | 'describe' | 'listStartedBySpillway'>;
  readonly drains: Pick<DrainStarter, 'start' | 'status'>;
  readonly ledger: Pick<DrainLedger, 'read' | 'cancel'>;
  /** The signals queue, for a site loss's commands; absent: sites are checked but nothing is sent. */
  readonly signals?: CommandQueue;
  /** Probes a site's witness; absent: a site with a witness is never declared lost (tests, tools). */
  readonly witness?: WitnessProbe;
  readonly targets: Pick<TargetGroups, 'register'> & Partial<Pick<TargetGroups, 'health'>>;
}

/** The site items' port: read one, write one conditionally on the version read. */
export interface SitesPort {
  load(site: string): Promise<SiteRecord | undefined>;
  save(next: SiteRecord, expectedVersion: number): Promise<boolean>;
}

/** The signals queue, where a site loss's commands go like a maintenance window's. */
export interface CommandQueue {
  enqueue(envelopes: readonly DecideEnvelope[]): Promise<void>;
}

/** Probes a site's witness; never throws (an unreachable witness is a failed probe). */
export type WitnessProbe = (target: NonNullable<SiteHeartbeatConfig['witness']>) => Promise<ProbeResult>;
