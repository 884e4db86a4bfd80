/**
 * The launch circuit breaker of one burst region, shared by every workload of the environment: a
 * region whose RunTask calls keep failing (capacity, throttling, errors) is skipped for a cool-off
 * period instead of being asked again by every decision. Pure: the state store keeps the records.
 */
export interface RegionHealth {
  readonly region: string;
  /** Launch failures in a row; a success resets it. */
  readonly consecutiveFailures: number;
  /** While in the future the breaker is open: placement skips the region. */
  readonly openUntil?: string;
  readonly lastFailureAt?: string;
  readonly lastFailure?: string;
  readonly updatedAt: string;
}

/** Failures in a row that open the breaker. */
export const FAILURES_TO_OPEN = 3;
/** How long an open breaker keeps the region out of placement. */
export const COOL_OFF_SECONDS = 300;

/** Region health as placement reads it: by region name, absent meaning healthy. */
export type RegionHealthMap = Readonly<Record<string, RegionHealth>>;

export function isOpen(health: RegionHealth | undefined, now: Date): boolean {
  return !!health?.openUntil && Date.parse(health.openUntil) > now.getTime();
}

/**
 * A failed launch. Once the region has failed FAILURES_TO_OPEN times in a row the breaker opens;
 * after the cool-off the region is tried again (half-open), and one more failure re-opens it.
 */
export function recordLaunchFailure(
  health: RegionHealth | undefined,
  region: string,
  reason: string,
  now: Date,
): RegionHealth {
  const consecutiveFailures = (health?.consecutiveFailures ?? 0) + 1;
  const at = now.toISOString();
  const opens = consecutiveFailures >= FAILURES_TO_OPEN && !isOpen(health, now);
  const openUntil = opens
    ? new Date(now.getTime() + COOL_OFF_SECONDS * 1000).toISOString()
    : health?.openUntil;
  return {
    region,
    consecutiveFailures,
    ...(openUntil ? { openUntil } : {}),
    lastFailureAt: at,
    lastFailure: reason,
    updatedAt: at,
  };
}

/** A launch that placed every task it asked for closes the breaker. */
export function recordLaunchSuccess(region: string, now: Date): RegionHealth {
  return { region, consecutiveFailures: 0, updatedAt: now.toISOString() };
}

export function describeHealth(health: RegionHealth | undefined, now: Date): string {
  if (isOpen(health, now))
    return `circuit open until ${health?.openUntil} after ${health?.consecutiveFailures} failed launches (${health?.lastFailure})`;
  if (health && health.consecutiveFailures > 0)
    return `${health.consecutiveFailures} failed launch(es) in a row (${health.lastFailure})`;
  return 'healthy';
}
