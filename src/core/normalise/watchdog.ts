import type { SpillwayConfig } from '../../config/schema';
import { watchdogSite } from '../site-health';
import type { Ignored } from './result';

/**
 * Alertmanager's `Watchdog` alert fires for as long as the alerting pipeline works: for a site that
 * says so, it is the site's heartbeat, never pressure on a workload. Takes those alerts out of the
 * delivery before it is translated into signals and names the sites they speak for. A resolved
 * Watchdog is no heartbeat (its pipeline is saying goodbye); it is dropped too.
 */
export function takeWatchdogs(
  body: unknown,
  config: Pick<SpillwayConfig, 'sites'>,
): { readonly body: unknown; readonly sites: readonly string[]; readonly ignored: readonly Ignored[] } {
  const nothing = { body, sites: [], ignored: [] };
  if (!config.sites.some((site) => site.heartbeat?.alertmanagerWatchdog)) return nothing;
  if (typeof body !== 'object' || body === null || !Array.isArray((body as { alerts?: unknown }).alerts))
    return nothing;
  const alerts = (body as { alerts: unknown[] }).alerts;
  const sites = new Set<string>();
  const ignored: Ignored[] = [];
  const kept = alerts.filter((alert) => {
    const labels = (alert as { labels?: unknown } | null)?.labels;
    if (typeof labels !== 'object' || labels === null) return true;
    const named = labels as Record<string, unknown>;
    if (named.alertname !== 'Watchdog') return true;
    const strings = Object.fromEntries(
      Object.entries(named).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
    );
    const site = watchdogSite(config, strings);
    const firing = (alert as { status?: unknown }).status === 'firing';
    if (site && firing) sites.add(site);
    else
      ignored.push({
        item: 'Watchdog',
        reason: site ? `resolved: not a heartbeat of site ${site}` : "matches no site's watchdogLabels",
      });
    return false;
  });
  if (kept.length === alerts.length) return nothing;
  return { body: { ...(body as object), alerts: kept }, sites: [...sites], ignored };
}
