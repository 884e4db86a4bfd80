import { type Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import {
  Schedule,
  type ScheduleExpression,
  ScheduleGroup,
  ScheduleTargetInput,
  TimeWindow,
} from 'aws-cdk-lib/aws-scheduler';
import { SqsSendMessage } from 'aws-cdk-lib/aws-scheduler-targets';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { digest } from '../../src/core/ids';

/** Scheduler retries a failed SendMessage with backoff, at most this often, then dead-letters it. */
export const SCHEDULE_RETRY_ATTEMPTS = 20;

/** Schedule names allow 64 characters of [0-9A-Za-z-_.]: the command id, shortened when longer. */
export function scheduleNameOf(commandId: string): string {
  return commandId.length <= 64 ? commandId : `${commandId.slice(0, 47)}-${digest([commandId], 16)}`;
}

export interface CommandSchedulerProps {
  readonly environment: string;
  /** The schedule group is `spillway-<environment>-<groupSuffix>`. */
  readonly groupSuffix: string;
  /** What the role's description says it puts on the queue, e.g. `maintenance commands`. */
  readonly commands: string;
  /** Where the commands go: the signals queue the decide function reads. */
  readonly queue: IQueue;
  /** Where a command goes that Scheduler could not deliver: the signals dead-letter queue. */
  readonly deadLetterQueue: IQueue;
}

export interface CommandScheduleProps {
  /** The command id the schedule is named after (shortened by `scheduleNameOf`). */
  readonly commandId: string;
  readonly description: string;
  readonly schedule: ScheduleExpression;
  /** The message body, exactly as the CLI would send it. */
  readonly body: string;
  /** How late a delivery is still worth making, within Scheduler's 1 min-24 h. */
  readonly maxEventAge: Duration;
}

/**
 * One schedule group of EventBridge Scheduler schedules that put Spillway commands on the signals
 * queue, and the one role they send with. Group and role are created in the caller's scope (ids
 * `Group` and `SchedulerRole`), and so are the schedules `schedule` adds.
 */
export class CommandScheduler {
  readonly group: ScheduleGroup;
  readonly role: Role;

  constructor(
    private readonly scope: Construct,
    private readonly props: CommandSchedulerProps,
  ) {
    const { environment } = props;
    this.group = new ScheduleGroup(scope, 'Group', {
      scheduleGroupName: `spillway-${environment}-${props.groupSuffix}`,
      // The group holds only schedules the config declares; a retained one would block a redeploy.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.role = new Role(scope, 'SchedulerRole', {
      description: `EventBridge Scheduler: puts Spillway ${environment} ${props.commands} on the signals queue`,
      // Confused-deputy guard: only schedules of this account's group may use the role.
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: {
          StringEquals: {
            'aws:SourceAccount': Stack.of(scope).account,
            'aws:SourceArn': this.group.scheduleGroupArn,
          },
        },
      }),
    });
  }

  /** A schedule in the group that sends `body` to the signals queue whenever it fires. */
  schedule(id: string, props: CommandScheduleProps): Schedule {
    const created = new Schedule(this.scope, id, {
      scheduleName: scheduleNameOf(props.commandId),
      scheduleGroup: this.group,
      description: props.description,
      schedule: props.schedule,
      timeWindow: TimeWindow.off(),
      target: new SqsSendMessage(this.props.queue, {
        role: this.role,
        input: ScheduleTargetInput.fromText(props.body),
        // Undeliverable commands join the failed signals: one queue to watch, alarm on and redrive.
        deadLetterQueue: this.props.deadLetterQueue,
        retryAttempts: SCHEDULE_RETRY_ATTEMPTS,
        maxEventAge: props.maxEventAge,
      }),
    });
    // Not before the role may send: a schedule due soon after the deploy must not fail its first try.
    created.node.addDependency(this.role);
    return created;
  }
}
