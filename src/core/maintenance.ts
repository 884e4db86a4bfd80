import type { MaintenanceWindow, SpillwayConfig } from '../config/schema';
import type { OperatorCommand } from './command';
import { digest } from './ids';
import type { CommandEnvelope } from './signal';

/**
 * Maintenance windows as commands: each window evacuates its workloads `leadSeconds` before it
 * starts and ends the evacuation when it ends. EventBridge Scheduler delivers them on AWS, a timer
 * in the local runtime; both put the bytes of `scheduledMessageBody` on the signals queue.
 */

/** What `requestedBy` says on a command a maintenance window sent, in the decision log. */
export const MAINTENANCE_REQUESTER = 'maintenance-window';

export interface ScheduledCommand {
  /** When the command is due: ISO-8601, UTC with milliseconds. It is also the command's issuedAt. */
  readonly dueAt: string;
  /** The window's end: after it, an evacuation for this window is pointless. */
  readonly windowEnd: string;
  readonly window: string;
  readonly site: string;
  readonly command: OperatorCommand;
}

const iso = (time: string | number | Date): string => new Date(time).toISOString();
const ms = (time: string): number => Date.parse(time);

/** The workloads a window moves: the listed ones, or every workload whose home is its site. */
export function windowWorkloads(window: MaintenanceWindow, config: SpillwayConfig): readonly string[] {
  return window.workloads ?? config.workloads.filter((w) => w.homeSite === window.site).map((w) => w.name);
}

/**
 * Command ids are derived, never random, so a schedule that fires twice (EventBridge Scheduler is
 * at-least-once) or a timer that re-sends is applied once: the policy ignores an id it has applied.
 * The digest names this occurrence of the window (site, start, end): a window name reused next
 * month, or an end moved later, is a new command rather than a duplicate of the old one.
 */
export function maintenanceCommandId(
  window: Pick<MaintenanceWindow, 'name' | 'site' | 'start' | 'end'>,
  workload: string,
  action: 'evacuate' | 'end_evacuation',
): string {
  const occurrence = digest([window.site, iso(window.start), iso(window.end)], 8);
  return `mw-${window.name}-${occurrence}-${workload}-${action === 'evacuate' ? 'evacuate' : 'end'}`;
}

/** Every command the config's maintenance windows send, in the order they fall due. */
export function maintenanceSchedule(config: SpillwayConfig): readonly ScheduledCommand[] {
  const byId = new Map<string, ScheduledCommand>();
  for (const window of config.maintenanceWindows) {
    const start = ms(window.start);
    const end = iso(window.end);
    const evacuateAt = iso(start - window.leadSeconds * 1000);
    const reason = window.reason ?? `maintenance window ${window.name} of site ${window.site}`;
    const common = { windowEnd: end, window: window.name, site: window.site };
    for (const workload of windowWorkloads(window, config)) {
      const evacuate: ScheduledCommand = {
        ...common,
        dueAt: evacuateAt,
        command: {
          id: maintenanceCommandId(window, workload, 'evacuate'),
          workload,
          action: 'evacuate',
          reason,
          requestedBy: MAINTENANCE_REQUESTER,
          until: end,
          window: window.name,
          issuedAt: evacuateAt,
        },
      };
      const endEvacuation: ScheduledCommand = {
        ...common,
        dueAt: end,
        command: {
          id: maintenanceCommandId(window, workload, 'end_evacuation'),
          workload,
          action: 'end_evacuation',
          reason: `end of maintenance window ${window.name} of site ${window.site}`,
          requestedBy: MAINTENANCE_REQUESTER,
          window: window.name,
          issuedAt: end,
        },
      };
      // The same window written twice yields the same ids: one command each.
      for (const scheduled of [evacuate, endEvacuation]) byId.set(scheduled.command.id, scheduled);
    }
  }
  return [...byId.values()].sort(
    (a, b) => ms(a.dueAt) - ms(b.dueAt) || a.command.id.localeCompare(b.command.id),
  );
}

/**
 * The commands that fall due in (from, to]. Ticks that pass each one's `to` as the next one's
 * `from` see every command exactly once: the intervals neither overlap nor leave gaps.
 */
export function dueCommands(
  schedule: readonly ScheduledCommand[],
  from: Date,
  to: Date,
): readonly ScheduledCommand[] {
  return schedule.filter((s) => ms(s.dueAt) > from.getTime() && ms(s.dueAt) <= to.getTime());
}

/**
 * What a timer starting at `now` owes from before it started: the evacuations of windows under
 * way, so a runtime started mid-window evacuates. An ended window owes nothing: its evacuation
 * ended by itself (`until`).
 */
export function commandsToCatchUp(
  schedule: readonly ScheduledCommand[],
  now: Date,
): readonly ScheduledCommand[] {
  return schedule.filter((s) => ms(s.dueAt) <= now.getTime() && ms(s.windowEnd) > now.getTime());
}

/** The windows that end at or before `now`: a one-time schedule for them would never fire. */
export function endedWindows(config: SpillwayConfig, now: Date): readonly MaintenanceWindow[] {
  return config.maintenanceWindows.filter((w) => ms(w.end) <= now.getTime());
}

/** The command envelope the decide function reads, as the CLI sends it. */
export function commandMessageBody(command: OperatorCommand): string {
  const envelope: CommandEnvelope = { kind: 'command', version: 1, command };
  return JSON.stringify(envelope);
}

/** The exact message body a scheduled command puts on the signals queue, on AWS and locally alike. */
export const scheduledMessageBody = (scheduled: ScheduledCommand): string =>
  commandMessageBody(scheduled.command);
