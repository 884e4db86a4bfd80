import { reasonOf, UsageError, usageOf } from './usage-rules';

/** `spillway site lost|recovered <site> --reason "…"`: a site declared by hand. */
export interface SiteInvocation {
  readonly name: 'site';
  readonly as: 'lost' | 'recovered';
  readonly site: string;
  readonly reason: string;
}

/** Reads `site lost|recovered <site>`; the site name is checked against the config once connected. */
export function siteInvocation(rest: readonly string[], reasonGiven: string | undefined): SiteInvocation {
  const usage = `spillway site ${usageOf('site')}`;
  const [verb, site, ...extra] = rest;
  if (verb !== 'lost' && verb !== 'recovered')
    throw new UsageError(`site needs lost or recovered first, not '${verb ?? ''}': ${usage}`);
  if (site === undefined || site === '') throw new UsageError(`site ${verb} needs a site: ${usage}`);
  if (extra.length > 0) throw new UsageError(`site ${verb}: unexpected argument '${extra[0]}' (${usage})`);
  return { name: 'site', as: verb, site, reason: reasonOf(reasonGiven, `site ${verb}`) };
}
