import { assessSite, watchedSites } from '../core/site-health';
import type { Metrics } from './metrics';
import type { WitnessProbe } from './ports';
import {
  type CommandQueue,
  logMove,
  type SiteDeps,
  type SitesPort,
  sendOwedCommands,
  updateSite,
} from './site-records';

export type { WitnessProbe } from './ports';

export interface CheckSitesDeps extends SiteDeps {
  readonly sites: SitesPort;
  readonly signals?: CommandQueue;
  readonly witness?: WitnessProbe;
  readonly metrics?: Metrics;
}

/**
 * The scheduled reconcile's look at every watched site: heartbeats absent (and the witness failing,
 * when there is one) declare it lost and send its workloads' evacuations; heartbeats back and steady
 * end them. Runs on the schedule, not on a signal, so it works when nothing arrives at all. A site
 * whose check fails is left to the next run; the others go on.
 */
export async function checkSites(deps: CheckSitesDeps): Promise<void> {
  for (const { site, heartbeat } of watchedSites(deps.config)) {
    try {
      const probe = heartbeat.witness && deps.witness ? await deps.witness(heartbeat.witness) : undefined;
      const now = deps.clock();
      const { record, assessment } = await updateSite(deps, site, (current) =>
        assessSite(current, now, heartbeat, probe),
      );
      logMove(deps, site, assessment);
      const latest = await sendOwedCommands(deps, record);
      const lost = latest.state === 'lost' || latest.state === 'recovering';
      deps.metrics?.record('SiteLost', lost ? 1 : 0, { site });
    } catch (error) {
      deps.log.error('site check failed', { site, error: (error as Error).message });
    }
  }
}
