import type { SpillwayConfig } from '../config/schema';
import {
  commandsToCatchUp,
  dueCommands,
  maintenanceSchedule,
  type ScheduledCommand,
  scheduledMessageBody,
} from '../core/maintenance';

export interface MaintenanceTimerOptions {
  readonly config: SpillwayConfig;
  /** Puts one message body on the signals queue; a rejection means "not sent, try again". */
  readonly send: (body: string) => Promise<void>;
  /** @default the system clock */
  readonly clock?: () => Date;
  /** How often due commands are looked for; on AWS, Scheduler's precision is a minute. */
  readonly intervalMs: number;
  readonly log: (line: string) => void;
}

/** Stops the timer; resolves once a send in flight has finished. */
export type StopMaintenanceTimer = () => Promise<void>;

/**
 * Stands in for EventBridge Scheduler in the local runtime: sends each maintenance command when it
 * falls due, the same message body the deployed schedule delivers. At start it sends the
 * evacuations of windows already under way. A command whose send fails is tried again on the next
 * tick while its window lasts; a repeat is harmless, the policy applies a command id once.
 */
export function startMaintenanceTimer(options: MaintenanceTimerOptions): StopMaintenanceTimer {
  const { send, log } = options;
  const clock = options.clock ?? (() => new Date());
  const schedule = maintenanceSchedule(options.config);

  let last = clock();
  let owed: readonly ScheduledCommand[] = commandsToCatchUp(schedule, last);
  const sendOne = async (scheduled: ScheduledCommand): Promise<boolean> => {
    const { command } = scheduled;
    try {
      await send(scheduledMessageBody(scheduled));
      log(
        `maintenance: sent ${command.action} ${command.workload} (window ${scheduled.window}, ${command.id})`,
      );
      return true;
    } catch (error) {
      log(
        `maintenance: ${command.action} ${command.workload} not sent, retrying: ${(error as Error).message}`,
      );
      return false;
    }
  };
  const tick = async () => {
    const now = clock();
    // A clock that steps back must not make a command due a second time.
    const upTo = new Date(Math.max(now.getTime(), last.getTime()));
    const batch = [...owed, ...dueCommands(schedule, last, upTo)];
    last = upTo;
    const failed: ScheduledCommand[] = [];
    for (const scheduled of batch) if (!(await sendOne(scheduled))) failed.push(scheduled);
    // An evacuation whose window has ended would evacuate for nothing; its end still goes out.
    owed = failed.filter(
      (s) => s.command.action !== 'evacuate' || Date.parse(s.windowEnd) > clock().getTime(),
    );
  };

  // Ticks never overlap: a slow send delays the next one instead of racing it.
  let running: Promise<void> = tick();
  const timer = setInterval(() => {
    running = running.then(tick);
  }, options.intervalMs);
  return async () => {
    clearInterval(timer);
    await running;
  };
}
