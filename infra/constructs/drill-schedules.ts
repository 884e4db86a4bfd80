import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import {
  Schedule,
  ScheduleExpression,
  ScheduleGroup,
  ScheduleTargetInput,
  TimeWindow,
} from 'aws-cdk-lib/aws-scheduler';
import { SqsSendMessage } from 'aws-cdk-lib/aws-scheduler-targets';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { SpillwayConfig } from '../../src/config/schema';
import { drilledWorkloads, SCHEDULED_TIME, scheduledDrillBody } from '../../src/core/drill-schedule';
import { SCHEDULE_RETRY_ATTEMPTS, scheduleNameOf } from './maintenance-schedules';

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
    const environment = config.environment;
    const group = new ScheduleGroup(this, 'Group', {
      scheduleGroupName: `spillway-${environment}-drills`,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const role = new Role(this, 'SchedulerRole', {
      description: `EventBridge Scheduler: puts Spillway ${environment} readiness drill commands on the signals queue`,
      // Confused-deputy guard: only schedules of this account's group may use the role.
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: {
          StringEquals: {
            'aws:SourceAccount': Stack.of(this).account,
            'aws:SourceArn': group.scheduleGroupArn,
          },
        },
      }),
    });
    this.group = group;
    this.role = role;
    this.schedules = drilledWorkloads(config).map((workload) => {
      const created = new Schedule(this, `Drill-${workload}`, {
        scheduleName: scheduleNameOf(`drill-${workload}`),
        scheduleGroup: group,
        description: `Spillway readiness drill of ${workload}: one task per burst region, drained (docs/drills.md)`,
        schedule: ScheduleExpression.expression(drills.schedule),
        timeWindow: TimeWindow.off(),
        target: new SqsSendMessage(props.queue, {
          role,
          input: ScheduleTargetInput.fromText(scheduledDrillBody(config, workload, SCHEDULED_TIME)),
          deadLetterQueue: props.deadLetterQueue,
          retryAttempts: SCHEDULE_RETRY_ATTEMPTS,
          maxEventAge: DRILL_MAX_EVENT_AGE,
        }),
      });
      // Not before the role may send: the first firing must not fail for want of it.
      created.node.addDependency(role);
      return created;
    });
  }
}
