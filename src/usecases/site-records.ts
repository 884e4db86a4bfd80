import type { SpillwayConfig } from '../config/schema';
import {
  emptySiteRecord,
  owedCommandSet,
  type SiteAssessment,
  type SiteRecord,
  siteLossCommands,
} from '../core/site-health';
import type { CommandQueue, Log, SitesPort } from './ports';

export type { CommandQueue, SitesPort } from './ports';

export interface SiteDeps {
  readonly config: SpillwayConfig;
  readonly sites: SitesPort;
  readonly clock: () => Date;
  readonly log: Log;
}

/** Conflicts tolerated before giving up: heartbeats, reconcilers and operators share the item. */
const SITE_WRITE_ATTEMPTS = 8;

/**
 * Read-modify-write of one site's item: `change` sees the latest record and says what to write (or
 * nothing); a conflict re-reads and asks again, so a move is decided on what is really there.
 * `known`, a record this invocation has just written, stands in for the first read.
 */
export async function updateSite(
  deps: SiteDeps,
  site: string,
  change: (record: SiteRecord) => SiteAssessment | undefined,
  known?: SiteRecord,
): Promise<{ readonly record: SiteRecord; readonly assessment?: SiteAssessment }> {
  for (let attempt = 0; attempt < SITE_WRITE_ATTEMPTS; attempt++) {
    const record =
      attempt === 0 && known ? known : ((await deps.sites.load(site)) ?? emptySiteRecord(site, deps.clock()));
    const assessment = change(record);
    if (!assessment?.changed) return { record, ...(assessment ? { assessment } : {}) };
    if (await deps.sites.save(assessment.next, record.version))
      return { record: { ...assessment.next, version: record.version + 1 }, assessment };
  }
  throw new Error(
    `site ${site}: its record kept changing under ${SITE_WRITE_ATTEMPTS} writes; retried next run`,
  );
}

/** Says what a move did, once, from whichever invocation wrote it. */
export function logMove(deps: SiteDeps, site: string, assessment: SiteAssessment | undefined): void {
  const move = assessment?.transition;
  if (!move) return;
  const level = move.to === 'lost' || move.to === 'suspect' ? 'warn' : 'info';
  deps.log[level]('site state changed', { site, from: move.from, to: move.to, reason: move.reason });
}

/**
 * Sends the command set the record owes (its loss's evacuations, or their end) and records that it
 * went. A crash in between sends it again on the next run: the ids are derived from the site and the
 * episode, and the policy applies an id once.
 */
export async function sendOwedCommands(
  deps: SiteDeps & { readonly signals?: CommandQueue },
  record: SiteRecord,
): Promise<SiteRecord> {
  const set = owedCommandSet(record);
  const loss = record.loss;
  if (!set || !loss) return record;
  if (!deps.signals) {
    deps.log.error('site loss commands not sent: no signals queue configured', { site: record.site, set });
    return record;
  }
  const commands = siteLossCommands(deps.config, record, set);
  await deps.signals.enqueue(commands.map((command) => ({ kind: 'command', version: 1, command })));
  deps.log.info('site loss commands sent', {
    site: record.site,
    action: set === 'evacuate' ? 'evacuate' : 'end_evacuation',
    workloads: commands.map((c) => c.workload),
    episode: loss.id,
  });
  const marked = `${loss.id}:${set}`;
  // The record was just written: marked on its version, re-read only if another writer came between.
  const { record: latest } = await updateSite(
    deps,
    record.site,
    (current) =>
      current.loss?.id === loss.id && owedCommandSet(current) === set
        ? { next: { ...current, sent: marked }, changed: true }
        : undefined,
    record,
  );
  return latest;
}
