import type { SpillwayConfig } from '../config/schema';
import { drilledWorkloads, ratePeriodSeconds, scheduledDrillBody } from '../core/drill-schedule';

export interface DrillTimerOptions {
  readonly config: SpillwayConfig;
  /** Puts one message body on the signals queue; a rejection means "not sent, try again". */
  readonly send: (body: string) => Promise<void>;
  /** @default the system clock */
  readonly clock?: () => Date;
  /** How often the timer looks whether a drill is due. */
  readonly intervalMs: number;
  readonly log: (line: string) => void;
}

/** Stops the timer; resolves once a send in flight has finished. */
export type StopDrillTimer = () => Promise<void>;

/**
 * Stands in for the drill schedules of EventBridge Scheduler in the local runtime: a rate()
 * schedule fires one period after the timer starts and every period after, as a rate schedule
 * does after its creation, and sends each drilled workload the command Scheduler would (its id
 * derived from the firing time, so a re-send after a failed send is one drill). A cron() schedule
 * is left to Scheduler: the timer says so once and sends nothing.
 */
export function startDrillTimer(options: DrillTimerOptions): StopDrillTimer {
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
    const failed: typeof owed = [];
    for (const drill of owed) {
      try {
        await send(scheduledDrillBody(config, drill.workload, drill.at));
        log(`drills: sent the scheduled drill of ${drill.workload} (${drill.at})`);
      } catch (error) {
        log(`drills: drill of ${drill.workload} not sent, retrying: ${(error as Error).message}`);
        failed.push(drill);
      }
    }
    owed = failed;
  };
  // Ticks never overlap: a slow send delays the next one instead of racing it.
  let running: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    running = running.then(tick);
  }, options.intervalMs);
  return async () => {
    clearInterval(timer);
    await running;
  };
}
