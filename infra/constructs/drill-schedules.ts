import { Duration } from 'aws-cdk-lib';
import type { Role } from 'aws-cdk-lib/aws-iam';
import { type Schedule, ScheduleExpression, type ScheduleGroup } from 'aws-cdk-lib/aws-scheduler';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { SpillwayConfig } from '../../src/config/schema';
import { drilledWorkloads, SCHEDULED_TIME, scheduledDrillBody } from '../../src/core/drill-schedule';
import { CommandScheduler } from './queue-schedule';

export interface DrillSchedulesProps {
  /** The environment's validated config; its `drills` become one recurring schedule per workload. */
  readonly config: SpillwayConfig;
  /** Where the drill commands go: the signals queue the decide function reads. */
  readonly queue: IQueue;
  /** Where a command goes that Scheduler could not deliver: the signals dead-letter queue. */
  readonly deadLetterQueue: IQueue;
}

/** A drill delivered this late is still worth running; one later than that waits for the next. */
const DRILL_MAX_EVENT_AGE = Duration.hours(1);

/**
 * The environment's readiness drills as EventBridge Scheduler recurring schedules, one per drilled
 * workload, each putting the drill command on the signals queue as `spillway drill` would. The
 * command's id carries the time the schedule fired (a context attribute Scheduler fills in), so
 * Scheduler's at-least-once delivery drills once per firing. Without `drills`, nothing is created.
 */
export class DrillSchedules extends Construct {
  readonly group: ScheduleGroup | undefined;
  readonly role: Role | undefined;
  readonly schedules: readonly Schedule[];

  constructor(scope: Construct, id: string, props: DrillSchedulesProps) {
    super(scope, id);
    const { config } = props;
    const drills = config.drills;
    if (!drills) {
      this.schedules = [];
      return;
    }
    const scheduler = new CommandScheduler(this, {
      environment: config.environment,
      groupSuffix: 'drills',
      commands: 'readiness drill commands',
      queue: props.queue,
      deadLetterQueue: props.deadLetterQueue,
    });
    this.group = scheduler.group;
    this.role = scheduler.role;
    this.schedules = drilledWorkloads(config).map((workload) =>
      scheduler.schedule(`Drill-${workload}`, {
        commandId: `drill-${workload}`,
        description: `Spillway readiness drill of ${workload}: one task per burst region, drained (docs/drills.md)`,
        schedule: ScheduleExpression.expression(drills.schedule),
        body: scheduledDrillBody(config, workload, SCHEDULED_TIME),
        maxEventAge: DRILL_MAX_EVENT_AGE,
      }),
    );
  }
}
