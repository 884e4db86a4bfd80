import type { SiteStatus } from '../usecases/site-status';
import { clip, seconds, table } from './table';

const COLUMNS = [
  { header: 'SITE', max: 24 },
  { header: 'STATE' },
  { header: 'SINCE' },
  { header: 'LAST HEARTBEAT' },
  { header: 'WITNESS', max: 28 },
  { header: 'WHY' },
];

function heartbeatCell(site: SiteStatus): string {
  if (site.lastHeartbeatAt === null) return 'never';
  return `${site.heartbeatAgeSeconds} s ago (${site.lastHeartbeatSource ?? '?'})`;
}

function witnessCell(site: SiteStatus): string {
  if (!site.witness) return '-';
  if (site.witness.ok === null) return 'not probed yet';
  return `${site.witness.ok ? 'ok' : 'FAILING'}: ${site.witness.detail}`;
}

/** Upper case where someone should look: a site lost, or on its way back. */
const stateCell = (state: SiteStatus['state']) =>
  state === 'lost' ? 'LOST' : state === 'recovering' ? 'RECOVERING' : state;

function lossLine(site: SiteStatus): string | undefined {
  const loss = site.loss;
  if (!loss) return undefined;
  const guard = loss.spendGuard === 'exceed' ? 'may exceed the spend guards' : 'within the spend guards';
  const end = loss.recoveredAt
    ? `, recovered ${seconds(loss.recoveredAt)}`
    : loss.pinned
      ? ', declared by hand'
      : '';
  return `loss ${loss.id} at ${seconds(loss.lostAt)} decided by ${loss.decidedBy}${end}; evacuates ${site.workloads.join(', ') || 'no workload'} (${guard})`;
}

/** The watched sites as a table, each with its current or last loss beneath; `verbose` adds recent moves. */
export function renderSites(sites: readonly SiteStatus[] | null | undefined, verbose = false): string[] {
  if (!sites || sites.length === 0) return ['no site is watched for loss (no site has heartbeat settings)'];
  const rows = sites.map((s) => [
    s.site,
    stateCell(s.state),
    seconds(s.since),
    heartbeatCell(s),
    witnessCell(s),
    s.reason,
  ]);
  const [header = '', ...lines] = table(COLUMNS, rows);
  const out = [header];
  sites.forEach((site, i) => {
    out.push(lines[i] ?? '');
    const loss = lossLine(site);
    if (loss) out.push(clip(`    ${loss}`));
    if (site.probationUntil)
      out.push(clip(`    on anti-flap probation until ${seconds(site.probationUntil)}`));
    if (verbose)
      for (const move of site.transitions.slice(-5))
        out.push(clip(`    ${seconds(move.at)}  ${move.from} → ${move.to}: ${move.reason}`));
  });
  return out;
}
