import type { SiteHeartbeatConfig, SpillwayConfig } from '../config/schema';
import { clipped } from './clip';
import { COMMAND_REASON_MAX, type OperatorCommand } from './command';
import { digest } from './ids';
import type { Heartbeat, HeartbeatSource } from './signal';

/**
 * Site loss: whether an on-prem site is alive, from its heartbeats (and a witness probe when it has
 * one), and the evacuation commands a loss and a recovery owe. Pure: the reconcile use case reads
 * the site's record, probes the witness, and writes what this decides conditionally, so two
 * reconcilers at once move a site once. docs/site-loss.md describes the states and rules.
 */

/** What `requestedBy` says on the commands a site loss sends, in every decision log line they cause. */
export const SITE_LOSS_REQUESTER = 'site-loss';

export const siteStates = ['healthy', 'suspect', 'lost', 'recovering'] as const;
export type SiteState = (typeof siteStates)[number];

/** Who declared a loss: the heartbeats' absence alone, both witnesses agreeing, or an operator. */
export type LossDecider = 'heartbeats' | 'heartbeats and witness' | 'operator';

/** One run of the witness probe. */
export interface ProbeResult {
  readonly at: string;
  readonly ok: boolean;
  /** `HTTP 200`, `timeout after 5 s`, `HTTP 503 (expected 200)`… */
  readonly detail: string;
}

/** One loss of a site, from its declaration to its recovery. */
export interface LossEpisode {
  /** Names the episode in command ids: a redelivery or a second reconciler sends the same ids. */
  readonly id: string;
  readonly lostAt: string;
  readonly decidedBy: LossDecider;
  readonly reason: string;
  /** The site's `spendGuardDuringLoss` when it was lost. */
  readonly spendGuard: SiteHeartbeatConfig['spendGuardDuringLoss'];
  /** Declared by an operator: heartbeats coming back do not end it, only an operator's recovery. */
  readonly pinned?: boolean;
  readonly recoveredAt?: string;
  readonly recoveredBy?: 'heartbeats' | 'operator';
}

/** A site's item in the state table; every write is conditional on `version`. */
export interface SiteRecord {
  readonly site: string;
  /** 0: never written. */
  readonly version: number;
  readonly state: SiteState;
  /** When the site entered its state, and why. */
  readonly since: string;
  readonly reason: string;
  readonly lastHeartbeatAt?: string;
  readonly lastHeartbeatSource?: HeartbeatSource;
  /** The first heartbeat of the current run without a late one (a gap of lossAfterSeconds/2 or more). */
  readonly steadySince?: string;
  /** An operator's recovery: silence is counted from here when it is later than the last heartbeat. */
  readonly watchedSince?: string;
  /** The current loss, or the last one once recovered. */
  readonly loss?: LossEpisode;
  /** Anti-flap: until then a missing heartbeat does not declare the site lost. */
  readonly probationUntil?: string;
  readonly lastProbe?: ProbeResult;
  /** The last command set that went out for `loss`: `<episode>:evacuate` or `<episode>:end`. */
  readonly sent?: string;
  /** The latest moves, oldest first, at most MAX_SITE_TRANSITIONS. */
  readonly transitions?: readonly SiteTransition[];
}

export interface SiteTransition {
  readonly at: string;
  readonly from: SiteState;
  readonly to: SiteState;
  readonly reason: string;
}

/** Moves kept on a site's item: enough to read a flapping site's recent story in `spillway sites`. */
export const MAX_SITE_TRANSITIONS = 10;

/** The assessment with its move appended to the record's recent moves. */
function remembered(assessment: SiteAssessment, now: Date): SiteAssessment {
  const move = assessment.transition;
  if (!move) return assessment;
  const transitions = [
    ...(assessment.next.transitions ?? []),
    { at: now.toISOString(), from: move.from, to: move.to, reason: clip(move.reason) },
  ].slice(-MAX_SITE_TRANSITIONS);
  return { ...assessment, next: { ...assessment.next, transitions } };
}

export const emptySiteRecord = (site: string, now: Date): SiteRecord => ({
  site,
  version: 0,
  state: 'suspect',
  since: now.toISOString(),
  reason: 'no heartbeat received yet',
});

const ms = (iso: string | undefined) => (iso === undefined ? undefined : Date.parse(iso));
const secondsBetween = (from: number, to: number) => Math.round((to - from) / 1000);
const clip = (text: string) => clipped(text, COMMAND_REASON_MAX);

/** A heartbeat later than lossAfterSeconds/2 after the one before is late: the site is suspect. */
export const lateAfterMs = (config: SiteHeartbeatConfig) => (config.lossAfterSeconds * 1000) / 2;

/**
 * The record with one more heartbeat, or undefined when it changes nothing: a heartbeat no later
 * than the recorded one (redelivered, or overtaken on the queue) is ignored.
 */
export function withHeartbeat(
  record: SiteRecord,
  heartbeat: Heartbeat,
  config: SiteHeartbeatConfig,
): SiteRecord | undefined {
  const at = Date.parse(heartbeat.at);
  const last = ms(record.lastHeartbeatAt);
  if (last !== undefined && at <= last) return undefined;
  const steady = last !== undefined && at - last < lateAfterMs(config) && record.steadySince !== undefined;
  return {
    ...record,
    lastHeartbeatAt: new Date(at).toISOString(),
    lastHeartbeatSource: heartbeat.source,
    steadySince: steady ? record.steadySince : new Date(at).toISOString(),
  };
}

/** What one check of a site decided: the record to write, and the move when the state changed. */
export interface SiteAssessment {
  readonly next: SiteRecord;
  /** False: nothing to write. */
  readonly changed: boolean;
  readonly transition?: { readonly from: SiteState; readonly to: SiteState; readonly reason: string };
}

/** A reason without its figures and times: what changes from run to run while nothing happens. */
const kindOf = (reason: string) => reason.replace(/[\d:.TZ-]+/g, '#');

const inLoss = (state: SiteState) => state === 'lost' || state === 'recovering';

/**
 * The site's next state at `now`. `probe` is the witness's answer this run; undefined when the
 * site has no witness or it was not probed (then a witness cannot agree, and the site is not
 * declared lost on heartbeats alone).
 */
export function assessSite(
  record: SiteRecord,
  now: Date,
  config: SiteHeartbeatConfig,
  probe?: ProbeResult,
): SiteAssessment {
  return remembered(assess(record, now, config, probe), now);
}

function assess(
  record: SiteRecord,
  now: Date,
  config: SiteHeartbeatConfig,
  probe: ProbeResult | undefined,
): SiteAssessment {
  const nowMs = now.getTime();
  const nowIso = now.toISOString();
  const lastHeard = [ms(record.lastHeartbeatAt), ms(record.watchedSince)].filter(
    (t): t is number => t !== undefined,
  );
  const silenceMs = lastHeard.length === 0 ? undefined : nowMs - Math.max(...lastHeard);
  const lossMs = config.lossAfterSeconds * 1000;
  const late = silenceMs === undefined || silenceMs >= lateAfterMs(config);
  const absent = silenceMs !== undefined && silenceMs >= lossMs;
  const silence = silenceMs === undefined ? 'never' : `${Math.round(silenceMs / 1000)} s ago`;
  // The probe is kept when its verdict changes, so status shows the witness without a write a run.
  const probed =
    config.witness && probe && (record.lastProbe?.ok !== probe.ok || record.lastProbe.detail !== probe.detail)
      ? { ...record, lastProbe: probe }
      : record;

  const move = (to: SiteState, reason: string, extra: Partial<SiteRecord> = {}): SiteAssessment => {
    // Staying put is written only when the kind of reason changes (not its figures): status says
    // why without a write every run.
    const sameReason = kindOf(reason) === kindOf(record.reason);
    if (to === record.state && Object.keys(extra).length === 0 && sameReason)
      return { next: probed, changed: probed !== record };
    return {
      next: { ...probed, ...extra, state: to, since: to === record.state ? record.since : nowIso, reason },
      changed: true,
      ...(to !== record.state ? { transition: { from: record.state, to, reason } } : {}),
    };
  };

  const loss = record.loss;
  if (inLoss(record.state) && loss && !loss.recoveredAt) {
    if (loss.pinned) return move(record.state, record.reason);
    const heardSinceLoss = (ms(record.lastHeartbeatAt) ?? 0) > Date.parse(loss.lostAt);
    if (record.state === 'lost') {
      if (heardSinceLoss && !late)
        return move(
          'recovering',
          `heartbeats back since ${record.steadySince}; recovered once steady for ${config.recoveryStableSeconds} s`,
        );
      return move('lost', record.reason);
    }
    // recovering
    if (late || !heardSinceLoss)
      return move('lost', `heartbeats stopped again while recovering (last ${silence})`);
    const steadyMs = nowMs - (ms(record.steadySince) ?? nowMs);
    if (steadyMs < config.recoveryStableSeconds * 1000) return move('recovering', record.reason);
    const reason = `heartbeats steady for ${Math.round(steadyMs / 1000)} s (recoveryStableSeconds ${config.recoveryStableSeconds})`;
    return move('healthy', `recovered: ${reason}`, {
      loss: { ...loss, recoveredAt: nowIso, recoveredBy: 'heartbeats' },
      ...probation(loss, nowMs, config),
    });
  }

  if (silenceMs === undefined)
    return move('suspect', 'no heartbeat received yet: the site is not declared lost before its first');
  if (absent) {
    const heartbeats = `no heartbeat for ${Math.round(silenceMs / 1000)} s (lossAfterSeconds ${config.lossAfterSeconds})`;
    let decidedBy: LossDecider = 'heartbeats';
    if (config.witness) {
      if (!probe) return move('suspect', `${heartbeats}; the witness has not been probed yet`);
      if (probe.ok)
        return move('suspect', `${heartbeats} but the witness answers (${probe.detail}): not declared lost`);
      decidedBy = 'heartbeats and witness';
    }
    const until = ms(record.probationUntil);
    if (until !== undefined && nowMs < until)
      return move(
        'suspect',
        `${heartbeats} but the site is on anti-flap probation until ${record.probationUntil} after its loss at ${record.loss?.lostAt}`,
      );
    const reason = config.witness
      ? `${heartbeats} and the witness ${config.witness.url} fails (${probe?.detail})`
      : heartbeats;
    const episode: LossEpisode = {
      id: digest([record.site, nowIso], 8),
      lostAt: nowIso,
      decidedBy,
      reason,
      spendGuard: config.spendGuardDuringLoss,
    };
    return move('lost', `lost: ${reason} (decided by ${decidedBy})`, { loss: episode });
  }
  if (late)
    return move(
      'suspect',
      `heartbeat late: last ${silence} (lost after ${config.lossAfterSeconds} s without one)`,
    );
  if (config.witness && probe && !probe.ok)
    return move('suspect', `the witness fails (${probe.detail}) while heartbeats arrive: not declared lost`);
  return move('healthy', `heartbeats arrive (last ${silence})`);
}

/**
 * Anti-flap: a loss that ended within flapWindowSeconds of its start puts the site on probation
 * until the window has passed since that loss began, and for at least 2 × recoveryStableSeconds
 * after the recovery: a flapping site is evacuated at most once per window.
 */
function probation(loss: LossEpisode, recoveredMs: number, config: SiteHeartbeatConfig): Partial<SiteRecord> {
  const lostMs = Date.parse(loss.lostAt);
  const window = config.flapWindowSeconds * 1000;
  if (window === 0 || recoveredMs - lostMs >= window) return { probationUntil: undefined };
  const until = Math.max(lostMs + window, recoveredMs + 2 * config.recoveryStableSeconds * 1000);
  return { probationUntil: new Date(until).toISOString() };
}

/** An operator's declaration, from `spillway site lost|recovered`. */
export interface Declaration {
  readonly reason: string;
  readonly by?: string;
  readonly now: Date;
}

/**
 * `spillway site lost`: a new loss pinned to the operator's word (heartbeats coming back do not end
 * it), or the loss under way pinned. Declaring it again changes nothing.
 */
export function declareLost(
  record: SiteRecord,
  declaration: Declaration,
  config: SiteHeartbeatConfig,
): SiteAssessment {
  return remembered(lostByHand(record, declaration, config), declaration.now);
}

function lostByHand(
  record: SiteRecord,
  declaration: Declaration,
  config: SiteHeartbeatConfig,
): SiteAssessment {
  const nowIso = declaration.now.toISOString();
  const reason = `declared lost by ${declaration.by ?? 'an operator'}: ${declaration.reason}`;
  if (inLoss(record.state) && record.loss && !record.loss.recoveredAt) {
    if (record.loss.pinned) return { next: record, changed: false };
    const next: SiteRecord = { ...record, state: 'lost', reason, loss: { ...record.loss, pinned: true } };
    return {
      next: { ...next, since: record.state === 'lost' ? record.since : nowIso },
      changed: true,
      ...(record.state !== 'lost' ? { transition: { from: record.state, to: 'lost', reason } } : {}),
    };
  }
  const loss: LossEpisode = {
    id: digest([record.site, nowIso], 8),
    lostAt: nowIso,
    decidedBy: 'operator',
    reason: clip(reason),
    spendGuard: config.spendGuardDuringLoss,
    pinned: true,
  };
  return {
    next: { ...record, state: 'lost', since: nowIso, reason, loss },
    changed: true,
    transition: { from: record.state, to: 'lost', reason },
  };
}

/**
 * `spillway site recovered`: ends the loss under way at once (its workloads drain back), and counts
 * heartbeat silence from now, so a site whose heartbeats stay away is lost again lossAfterSeconds
 * later. A site not lost is left as it is.
 */
export function declareRecovered(record: SiteRecord, declaration: Declaration): SiteAssessment {
  return remembered(recoveredByHand(record, declaration), declaration.now);
}

function recoveredByHand(record: SiteRecord, declaration: Declaration): SiteAssessment {
  if (!inLoss(record.state) || !record.loss || record.loss.recoveredAt)
    return { next: record, changed: false };
  const nowIso = declaration.now.toISOString();
  const reason = `declared recovered by ${declaration.by ?? 'an operator'}: ${declaration.reason}`;
  return {
    next: {
      ...record,
      state: 'healthy',
      since: nowIso,
      reason,
      watchedSince: nowIso,
      loss: { ...record.loss, recoveredAt: nowIso, recoveredBy: 'operator' },
      // The operator vouches for the site: no probation.
      probationUntil: undefined,
    },
    changed: true,
    transition: { from: record.state, to: 'healthy', reason },
  };
}

/** The command set a site's record still owes: its loss's evacuation, or the end of it. */
export function owedCommandSet(record: SiteRecord): 'evacuate' | 'end' | undefined {
  const loss = record.loss;
  if (!loss) return undefined;
  const owed = loss.recoveredAt ? 'end' : 'evacuate';
  return record.sent === `${loss.id}:${owed}` ? undefined : owed;
}

/** The window name an episode's evacuation carries: its end ends only that evacuation. */
export const siteLossWindow = (site: string, loss: Pick<LossEpisode, 'id'>) => `sl-${site}-${loss.id}`;

/**
 * The commands of one set, one per workload homed at the site, with ids derived from the site and
 * the episode: sent twice (a redelivery, two reconcilers, a crash before the send was recorded),
 * they are applied once.
 */
export function siteLossCommands(
  config: Pick<SpillwayConfig, 'workloads'>,
  record: SiteRecord,
  set: 'evacuate' | 'end',
): OperatorCommand[] {
  const loss = record.loss;
  if (!loss) return [];
  const window = siteLossWindow(record.site, loss);
  const workloads = config.workloads.filter((w) => w.homeSite === record.site).map((w) => w.name);
  return workloads.map((workload): OperatorCommand => {
    const common = {
      id: `${window}-${workload}-${set}`,
      workload,
      requestedBy: SITE_LOSS_REQUESTER,
      window,
    };
    if (set === 'end')
      return {
        ...common,
        action: 'end_evacuation',
        reason: clip(
          `site ${record.site} recovered (${loss.recoveredBy === 'operator' ? record.reason : `heartbeats steady since ${record.steadySince}`})`,
        ),
        issuedAt: loss.recoveredAt ?? loss.lostAt,
      };
    const guard =
      loss.spendGuard === 'exceed'
        ? 'the evacuation may exceed the spend guards (spendGuardDuringLoss: exceed)'
        : 'the evacuation stays within the spend guards (spendGuardDuringLoss: respect)';
    return {
      ...common,
      action: 'evacuate',
      reason: clip(`site ${record.site} lost, decided by ${loss.decidedBy}: ${loss.reason}; ${guard}`),
      ...(loss.spendGuard === 'exceed' ? { exceedSpendGuard: true } : {}),
      issuedAt: loss.lostAt,
    };
  });
}

/** The sites Spillway watches for loss, with their heartbeat settings. */
export function watchedSites(
  config: Pick<SpillwayConfig, 'sites'>,
): { readonly site: string; readonly heartbeat: SiteHeartbeatConfig }[] {
  return config.sites.flatMap((site) =>
    site.heartbeat ? [{ site: site.id, heartbeat: site.heartbeat }] : [],
  );
}

/** The site a firing Watchdog alert with these labels is the heartbeat of, if any. */
export function watchdogSite(
  config: Pick<SpillwayConfig, 'sites'>,
  labels: Readonly<Record<string, string>>,
): string | undefined {
  if (labels.alertname !== 'Watchdog') return undefined;
  for (const site of config.sites) {
    const heartbeat = site.heartbeat;
    if (!heartbeat?.alertmanagerWatchdog) continue;
    const wanted = Object.entries(heartbeat.watchdogLabels ?? {});
    if (wanted.every(([name, value]) => Object.hasOwn(labels, name) && labels[name] === value))
      return site.id;
  }
  return undefined;
}

export const secondsSince = (iso: string | undefined, now: Date): number | undefined =>
  iso === undefined ? undefined : secondsBetween(Date.parse(iso), now.getTime());
