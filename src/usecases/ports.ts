import type { BurstCompute } from '../adapters/burst-compute';
import type { DrainLedger } from '../adapters/drain-ledger';
import type { DrainStarter } from '../adapters/drain-starter';
import type { StateStore } from '../adapters/state-store';
import type { TargetGroups } from '../adapters/target-groups';
import type { SpillwayConfig } from '../config/schema';
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
}

export interface ReconcileDeps extends DecideDeps {
  readonly compute: Pick<BurstCompute, 'runBurstTasks' | 'describe' | 'listStartedBySpillway'>;
  readonly drains: Pick<DrainStarter, 'start' | 'status'>;
  readonly ledger: Pick<DrainLedger, 'read' | 'cancel'>;
  readonly targets: Pick<TargetGroups, 'register'>;
}
