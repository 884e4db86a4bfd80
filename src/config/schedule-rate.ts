const RATE_UNIT_SECONDS: Readonly<Record<string, number>> = { minute: 60, hour: 3600, day: 86_400 };

/** A rate() schedule's period in seconds; undefined for cron(), which only Scheduler evaluates. */
export function ratePeriodSeconds(schedule: string): number | undefined {
  const rate = /^rate\((\d+) (minute|hour|day)s?\)$/.exec(schedule);
  if (!rate) return undefined;
  return Number(rate[1]) * (RATE_UNIT_SECONDS[rate[2] ?? ''] ?? 0);
}
