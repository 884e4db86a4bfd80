import { Duration } from 'aws-cdk-lib';
import { Alarm, Metric } from 'aws-cdk-lib/aws-cloudwatch';
import type { Rule } from 'aws-cdk-lib/aws-events';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { ON_ANY_OCCURRENCE } from '../spillway-metrics';
import type { OnCallTopic } from './on-call-topic';

export interface BurstRegionAlarmsProps {
  readonly environment: string;
  readonly region: string;
  readonly onCall: OnCallTopic;
  readonly drainStateMachine: StateMachine;
  /** The rule forwarding burst tasks' state changes to the control region, where there is one. */
  readonly forwardingRule?: Rule;
}

/** A burst region's alarms: its drains failing or timing out, and its task events not forwarded. */
export class BurstRegionAlarms extends Construct {
  readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: BurstRegionAlarmsProps) {
    super(scope, id);
    const name = (suffix: string) => `spillway-${props.environment}-${suffix}-${props.region}`;
    const any = ON_ANY_OCCURRENCE;
    const period = { period: Duration.minutes(5), statistic: 'Sum' };
    const add = (id: string, options: ConstructorParameters<typeof Alarm>[2]) =>
      this.alarms.push(props.onCall.notify(new Alarm(this, id, options)));

    add('DrainExecutionsFailed', {
      ...any,
      alarmName: name('drain-executions-failed'),
      alarmDescription: `Drain executions failed in ${props.region}; their tasks may still run (Spillway retries them).`,
      metric: props.drainStateMachine.metricFailed(period),
    });
    add('DrainExecutionsTimedOut', {
      ...any,
      alarmName: name('drain-executions-timed-out'),
      alarmDescription: `Drain executions timed out in ${props.region} without recording their outcome.`,
      metric: props.drainStateMachine.metricTimedOut(period),
    });
    if (props.forwardingRule) {
      add('TaskEventsNotForwarded', {
        ...any,
        alarmName: name('task-events-not-forwarded'),
        alarmDescription: `ECS task state changes in ${props.region} could not be forwarded to the control region: Spot warnings and stops arrive only with the minute's reconcile.`,
        metric: new Metric({
          namespace: 'AWS/Events',
          metricName: 'FailedInvocations',
          dimensionsMap: { RuleName: props.forwardingRule.ruleName },
          ...period,
        }),
      });
    }
  }
}
