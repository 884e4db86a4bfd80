import {
  commandsToCatchUp,
  dueCommands,
  maintenanceSchedule,
  type ScheduledCommand,
  scheduledMessageBody,
} from '../core/maintenance';
import { everyInterval, type ScheduleTimerOptions, type StopScheduleTimer, sendOwed } from './schedule-timer';

/**
 * Stands in for EventBridge Scheduler in the local runtime: sends each maintenance command when it
 * falls due, the same message body the deployed schedule delivers. At start it sends the
 * evacuations of windows already under way. A command whose send fails is tried again on the next
 * tick while its window lasts; a repeat is harmless, the policy applies a command id once.
 */
export function startMaintenanceTimer(options: ScheduleTimerOptions): StopScheduleTimer {
  const { send, log } = options;
  const clock = options.clock ?? (() => new Date());
  const schedule = maintenanceSchedule(options.config);

  let last = clock();
  let owed: readonly ScheduledCommand[] = commandsToCatchUp(schedule, last);
  const tick = async () => {
    const now = clock();
    // A clock that steps back must not make a command due a second time.
    const upTo = new Date(Math.max(now.getTime(), last.getTime()));
    const batch = [...owed, ...dueCommands(schedule, last, upTo)];
    last = upTo;
    const failed = await sendOwed(batch, {
      send,
      log,
      body: scheduledMessageBody,
      sent: ({ command, window }) =>
        `maintenance: sent ${command.action} ${command.workload} (window ${window}, ${command.id})`,
      what: ({ command }) => `maintenance: ${command.action} ${command.workload}`,
    });
    // An evacuation whose window has ended would evacuate for nothing; its end still goes out.
    owed = failed.filter(
      (s) => s.command.action !== 'evacuate' || Date.parse(s.windowEnd) > clock().getTime(),
    );
  };

  return everyInterval(tick, options.intervalMs, true);
}
