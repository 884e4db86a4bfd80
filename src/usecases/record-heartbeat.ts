import type { Heartbeat } from '../core/signal';
import { withHeartbeat } from '../core/site-health';
import { type SiteDeps, updateSite } from './site-records';

/**
 * Records one heartbeat on its site's item, conditionally: an older heartbeat than the one recorded
 * (a redelivery, or one overtaken on the queue) changes nothing. The site's state is left to the
 * scheduled reconcile, which also notices heartbeats that never come.
 */
export async function recordHeartbeat(heartbeat: Heartbeat, deps: SiteDeps): Promise<void> {
  const site = deps.config.sites.find((s) => s.id === heartbeat.site);
  const settings = site?.heartbeat;
  if (!settings) return;
  await updateSite(deps, heartbeat.site, (record) => {
    const next = withHeartbeat(record, heartbeat, settings);
    return next ? { next, changed: true } : undefined;
  });
}
