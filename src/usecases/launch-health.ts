import {
  type RegionHealth,
  type RegionHealthMap,
  recordLaunchFailure,
  recordLaunchSuccess,
} from '../core/region-health';
import type { DecideDeps } from './ports';

/** Conflicting writes of one region's breaker re-read and re-applied before giving up on the update. */
export const MAX_HEALTH_WRITES = 5;

/** A launch in `region` failed: one more failure on its breaker, which may open it. */
export function recordRegionFailure(
  region: string,
  reason: string,
  deps: Pick<DecideDeps, 'store' | 'clock' | 'log' | 'metrics'>,
): Promise<RegionHealthMap> {
  let opened = false;
  return changeRegionHealth(
    region,
    (current) => {
      const next = recordLaunchFailure(current, region, reason, deps.clock());
      opened = !!next.openUntil && next.openUntil !== current?.openUntil;
      return next;
    },
    deps,
  ).then((health) => {
    if (opened) {
      deps.metrics?.record('BreakerOpened', 1, { region });
      deps.log.warn('launch breaker opened', { region, reason, until: health[region]?.openUntil });
    }
    return health;
  });
}

/** A launch in `region` placed everything: its breaker closes, if it had counted any failure. */
export function recordRegionSuccess(
  region: string,
  deps: Pick<DecideDeps, 'store' | 'clock' | 'log' | 'metrics'>,
): Promise<RegionHealthMap> {
  let closed = false;
  return changeRegionHealth(
    region,
    (current) => {
      closed = !!current?.openUntil;
      return current && (current.consecutiveFailures > 0 || current.openUntil)
        ? recordLaunchSuccess(region, deps.clock())
        : undefined;
    },
    deps,
  ).then((health) => {
    if (closed) deps.metrics?.record('BreakerClosed', 1, { region });
    return health;
  });
}

/**
 * Read-modify-write of one region's breaker, conditional on the record read, so two invocations
 * failing in the same region at once count two failures. The breaker only steers placement: when
 * the write keeps losing, the launch goes on with what was read rather than failing over it.
 */
async function changeRegionHealth(
  region: string,
  change: (current: RegionHealth | undefined) => RegionHealth | undefined,
  deps: Pick<DecideDeps, 'store' | 'log'>,
): Promise<RegionHealthMap> {
  let all: RegionHealthMap = {};
  for (let attempt = 1; attempt <= MAX_HEALTH_WRITES; attempt++) {
    all = await deps.store.loadRegionHealth();
    const current = all[region];
    const next = change(current);
    if (!next) return all;
    if (await deps.store.saveRegionHealth(next, current?.updatedAt)) return { ...all, [region]: next };
  }
  deps.log.warn('region health not updated: the record kept changing under the write', { region });
  return all;
}
