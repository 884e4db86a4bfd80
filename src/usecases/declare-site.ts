import type { SiteRecord } from '../core/site-health';
import { declareLost, declareRecovered, watchedSites } from '../core/site-health';
import { type CommandQueue, logMove, type SiteDeps, sendOwedCommands, updateSite } from './site-records';

export class SiteDeclarationError extends Error {
  override readonly name = 'SiteDeclarationError';
}

export interface DeclareSiteRequest {
  readonly site: string;
  readonly as: 'lost' | 'recovered';
  readonly reason: string;
  readonly by?: string;
}

export interface DeclareSiteResult {
  readonly record: SiteRecord;
  /** False when the site already was what the operator declared: nothing changed, nothing sent. */
  readonly changed: boolean;
}

/**
 * `spillway site lost|recovered`: moves the site by hand, through the same conditional write and
 * the same derived-id commands as a detected loss, so declaring twice (or racing the reconciler)
 * evacuates once. The commands' reason carries the operator's, into every decision log line.
 */
export async function declareSite(
  request: DeclareSiteRequest,
  deps: SiteDeps & { readonly signals: CommandQueue },
): Promise<DeclareSiteResult> {
  const watched = watchedSites(deps.config);
  const heartbeat = watched.find((w) => w.site === request.site)?.heartbeat;
  if (!heartbeat) {
    const known = deps.config.sites.some((s) => s.id === request.site);
    throw new SiteDeclarationError(
      known
        ? `site ${request.site} is not watched for loss (it has no heartbeat settings); watched: ${watched.map((w) => w.site).join(', ') || 'none'}`
        : `unknown site '${request.site}'; sites: ${deps.config.sites.map((s) => s.id).join(', ')}`,
    );
  }
  const declaration = {
    reason: request.reason,
    now: deps.clock(),
    ...(request.by ? { by: request.by } : {}),
  };
  const { record, assessment } = await updateSite(deps, request.site, (current) =>
    request.as === 'lost'
      ? declareLost(current, declaration, heartbeat)
      : declareRecovered(current, declaration),
  );
  logMove(deps, request.site, assessment);
  return { record: await sendOwedCommands(deps, record), changed: assessment?.changed ?? false };
}
