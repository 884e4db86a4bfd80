import { drilledWorkloads, ratePeriodSeconds, scheduledDrillBody } from '../core/drill-schedule';
import { everyInterval, type ScheduleTimerOptions, type StopScheduleTimer, sendOwed } from './schedule-timer';

/**
 * Stands in for the drill schedules of EventBridge Scheduler in the local runtime: a rate()
 * schedule fires one period after the timer starts and every period after, as a rate schedule
 * does after its creation, and sends each drilled workload the command Scheduler would (its id
 * derived from the firing time, so a re-send after a failed send is one drill). A cron() schedule
 * is left to Scheduler: the timer says so once and sends nothing.
 */
export function startDrillTimer(options: ScheduleTimerOptions): StopScheduleTimer {
  const { config, send, log } = options;
  const clock = options.clock ?? (() => new Date());
  const schedule = config.drills?.schedule;
  const period = schedule ? ratePeriodSeconds(schedule) : undefined;
  if (!schedule) return async () => {};
  if (period === undefined) {
    log(`drills: ${schedule} runs on EventBridge Scheduler only; locally, use rate(…) or spillway drill`);
    return async () => {};
  }
  let due = clock().getTime() + period * 1000;
  let owed: { at: string; workload: string }[] = [];
  const tick = async () => {
    while (clock().getTime() >= due) {
      const at = new Date(due).toISOString().replace(/\.\d{3}Z$/, 'Z');
      owed.push(...drilledWorkloads(config).map((workload) => ({ at, workload })));
      due += period * 1000;
    }
    owed = await sendOwed(owed, {
      send,
      log,
      body: (drill) => scheduledDrillBody(config, drill.workload, drill.at),
      sent: (drill) => `drills: sent the scheduled drill of ${drill.workload} (${drill.at})`,
      what: (drill) => `drills: drill of ${drill.workload}`,
    });
  };
  return everyInterval(tick, options.intervalMs, false);
}
