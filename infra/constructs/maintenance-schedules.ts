import { Annotations, Duration } from 'aws-cdk-lib';
import type { Role } from 'aws-cdk-lib/aws-iam';
import { type Schedule, ScheduleExpression, type ScheduleGroup } from 'aws-cdk-lib/aws-scheduler';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { SpillwayConfig } from '../../src/config/schema';
import {
  endedWindows,
  maintenanceSchedule,
  type ScheduledCommand,
  scheduledMessageBody,
} from '../../src/core/maintenance';
import { CommandScheduler } from './queue-schedule';

export interface MaintenanceSchedulesProps {
  /** The environment's validated config; its `maintenanceWindows` become schedules. */
  readonly config: SpillwayConfig;
  /** Where the commands go: the signals queue the decide function reads. */
  readonly queue: IQueue;
  /** Where a command goes that Scheduler could not deliver: the signals dead-letter queue. */
  readonly deadLetterQueue: IQueue;
  /**
   * The synth time: a one-time schedule due before it would never fire, so it is left out.
   * @default now
   */
  readonly now?: Date;
}

/** A late end of evacuation matters little: the evacuation also ends by itself at `until`. */
const END_MAX_EVENT_AGE = Duration.hours(1);

/** A late evacuation is still worth delivering while its window lasts, within Scheduler's 1 min-24 h. */
function maxEventAgeOf(scheduled: ScheduledCommand): Duration {
  if (scheduled.command.action !== 'evacuate') return END_MAX_EVENT_AGE;
  const seconds = Math.floor((Date.parse(scheduled.windowEnd) - Date.parse(scheduled.dueAt)) / 1000);
  return Duration.seconds(Math.min(Math.max(seconds, 60), 86_400));
}

/**
 * The environment's maintenance windows as EventBridge Scheduler one-time schedules: per window
 * and workload, one that evacuates `leadSeconds` before the start and one that ends the evacuation
 * at the end, each putting its command on the signals queue exactly as the CLI would. All live in
 * one schedule group per environment and share one role that may only send to the signals queue
 * and its dead-letter queue. Without a window to come, nothing is created.
 *
 * Completed schedules stay (CloudFormation cannot set ActionAfterCompletion, and a schedule that
 * deleted itself would leave the stack pointing at nothing); the first deploy after a window ends
 * removes them, since ended windows are skipped.
 */
export class MaintenanceSchedules extends Construct {
  readonly group: ScheduleGroup | undefined;
  readonly role: Role | undefined;
  readonly schedules: readonly Schedule[];

  constructor(scope: Construct, id: string, props: MaintenanceSchedulesProps) {
    super(scope, id);
    const now = props.now ?? new Date();
    const environment = props.config.environment;
    const schedule = maintenanceSchedule(props.config);
    const upcoming = schedule.filter((s) => Date.parse(s.dueAt) > now.getTime());
    warnAboutWindows(this, props.config, schedule, now);
    if (upcoming.length === 0) {
      this.schedules = [];
      return;
    }

    const scheduler = new CommandScheduler(this, {
      environment,
      groupSuffix: 'maintenance',
      commands: 'maintenance commands',
      queue: props.queue,
      deadLetterQueue: props.deadLetterQueue,
    });
    this.group = scheduler.group;
    this.role = scheduler.role;
    this.schedules = upcoming.map((scheduled) => {
      const { command } = scheduled;
      const what =
        command.action === 'evacuate'
          ? `evacuate ${command.workload} until ${scheduled.windowEnd}`
          : `end the evacuation of ${command.workload}`;
      return scheduler.schedule(command.id, {
        commandId: command.id,
        description: `Spillway maintenance window ${scheduled.window} of site ${scheduled.site}: ${what}`,
        // `at()` takes a wall-clock time in the schedule's time zone, whole seconds: UTC here.
        schedule: ScheduleExpression.at(new Date(scheduled.dueAt)),
        body: scheduledMessageBody(scheduled),
        maxEventAge: maxEventAgeOf(scheduled),
      });
    });
  }
}

/** What synth should tell whoever deploys: windows left out, evacuations not scheduled, nested windows. */
function warnAboutWindows(
  scope: Construct,
  config: SpillwayConfig,
  schedule: readonly ScheduledCommand[],
  now: Date,
): void {
  const annotations = Annotations.of(scope);
  for (const window of endedWindows(config, now)) {
    annotations.addWarningV2(
      `spillway:maintenance-window-ended:${window.name}`,
      `maintenance window ${window.name} (site ${window.site}) ended at ${window.end}: not scheduled, since a ` +
        'one-time schedule in the past never fires. Remove it from the config.',
    );
  }
  const underWay = schedule.filter(
    (s) => Date.parse(s.dueAt) <= now.getTime() && Date.parse(s.windowEnd) > now.getTime(),
  );
  for (const late of underWay) {
    annotations.addWarningV2(
      `spillway:maintenance-evacuation-past:${late.command.id}`,
      `maintenance window ${late.window} is under way: the evacuation of ${late.command.workload} was due at ` +
        `${late.dueAt} and is not scheduled (a one-time schedule in the past never fires); its end is. ` +
        'Send the evacuate command by hand if the workload has not been evacuated (docs/maintenance.md).',
    );
  }
}
