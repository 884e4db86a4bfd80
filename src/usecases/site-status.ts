import type { SpillwayConfig } from '../config/schema';
import {
  emptySiteRecord,
  type LossDecider,
  type SiteRecord,
  type SiteState,
  secondsSince,
  watchedSites,
} from '../core/site-health';

/**
 * One watched site as `spillway sites`, `spillway status --json` and the status page show it. The
 * field names are a contract like the rest of the status: add fields, never rename or drop one.
 */
export interface SiteStatus {
  readonly site: string;
  readonly state: SiteState;
  readonly since: string;
  readonly reason: string;
  readonly lastHeartbeatAt: string | null;
  readonly lastHeartbeatSource: string | null;
  /** Seconds since the last heartbeat at the time of the report; null before the first. */
  readonly heartbeatAgeSeconds: number | null;
  readonly lossAfterSeconds: number;
  readonly recoveryStableSeconds: number;
  /** The witness and its last verdict; null when the site has none. */
  readonly witness: {
    readonly url: string;
    readonly ok: boolean | null;
    readonly detail: string | null;
    readonly at: string | null;
  } | null;
  /** The current loss, or the last one once recovered; null before the first. */
  readonly loss: {
    readonly id: string;
    readonly lostAt: string;
    readonly decidedBy: LossDecider;
    readonly reason: string;
    readonly pinned: boolean;
    readonly recoveredAt: string | null;
    readonly spendGuard: 'exceed' | 'respect';
  } | null;
  /** Anti-flap: until then a silence does not declare the site lost; null when not on probation. */
  readonly probationUntil: string | null;
  /** The homed workloads a loss evacuates. */
  readonly workloads: readonly string[];
  readonly transitions: readonly { at: string; from: SiteState; to: SiteState; reason: string }[];
}

/** Every watched site in config order, a site never written showing as it starts (suspect). */
export function siteStatuses(
  config: Pick<SpillwayConfig, 'sites' | 'workloads'>,
  records: readonly SiteRecord[],
  now: Date,
): SiteStatus[] {
  const byId = new Map(records.map((r) => [r.site, r]));
  return watchedSites(config).map(({ site, heartbeat }) => {
    const record = byId.get(site) ?? emptySiteRecord(site, now);
    const { witness } = heartbeat;
    const probe = record.lastProbe;
    return {
      site,
      state: record.state,
      since: record.since,
      reason: record.reason,
      lastHeartbeatAt: record.lastHeartbeatAt ?? null,
      lastHeartbeatSource: record.lastHeartbeatSource ?? null,
      heartbeatAgeSeconds: secondsSince(record.lastHeartbeatAt, now) ?? null,
      lossAfterSeconds: heartbeat.lossAfterSeconds,
      recoveryStableSeconds: heartbeat.recoveryStableSeconds,
      witness: witness
        ? { url: witness.url, ok: probe?.ok ?? null, detail: probe?.detail ?? null, at: probe?.at ?? null }
        : null,
      loss: record.loss
        ? {
            id: record.loss.id,
            lostAt: record.loss.lostAt,
            decidedBy: record.loss.decidedBy,
            reason: record.loss.reason,
            pinned: record.loss.pinned ?? false,
            recoveredAt: record.loss.recoveredAt ?? null,
            spendGuard: record.loss.spendGuard,
          }
        : null,
      // A probation that has run out says nothing any more.
      probationUntil:
        record.probationUntil && Date.parse(record.probationUntil) > now.getTime()
          ? record.probationUntil
          : null,
      workloads: config.workloads.filter((w) => w.homeSite === site).map((w) => w.name),
      transitions: record.transitions ?? [],
    };
  });
}
