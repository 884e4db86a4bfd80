import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { SpillwayConfig } from '../../src/config/schema';
import { ON_ANY_OCCURRENCE, spillwayMetric } from '../spillway-metrics';
import type { OnCallTopic } from './on-call-topic';
import type { SpillwayFunction } from './spillway-function';

/** Signals older than this on the queue mean the decide function is not keeping up (or not running). */
export const OLDEST_SIGNAL_ALARM_SECONDS = 300;
/** An open breaker for this long (3 of 5 minutes sampled open, three periods running) pages. */
export const BREAKER_OPEN_ALARM_MINUTES = 15;

export interface ControlPlaneAlarmsProps {
  readonly config: SpillwayConfig;
  readonly onCall: OnCallTopic;
  readonly signalsQueue: Queue;
  readonly signalsDlqAlarm: Alarm;
  readonly functions: Readonly<Record<'ingest' | 'decide' | 'reconcile', SpillwayFunction>>;
  /** The webhook API's id and stage, for its 5xx count. */
  readonly api: { readonly apiId: string; readonly stageName: string };
}

/**
 * The control region's alarms, each notifying the on-call topic: what an on-call engineer must
 * hear of without watching a dashboard. docs/operations.md has a runbook line for each.
 */
export class ControlPlaneAlarms extends Construct {
  readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: ControlPlaneAlarmsProps) {
    super(scope, id);
    const { config, onCall } = props;
    const environment = config.environment;
    const name = (suffix: string) => `spillway-${environment}-${suffix}`;
    const alarm = (id: string, options: ConstructorParameters<typeof Alarm>[2]) =>
      this.alarms.push(onCall.notify(new Alarm(this, id, options)));
    const any = ON_ANY_OCCURRENCE;

    this.alarms.push(onCall.notify(props.signalsDlqAlarm));
    alarm('OldestSignal', {
      alarmName: name('signals-waiting'),
      alarmDescription: `A signal has waited on the queue for more than ${OLDEST_SIGNAL_ALARM_SECONDS} s: decide is failing, throttled or not running.`,
      metric: props.signalsQueue.metricApproximateAgeOfOldestMessage({
        period: Duration.minutes(1),
        statistic: 'Maximum',
      }),
      threshold: OLDEST_SIGNAL_ALARM_SECONDS,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 3,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    for (const [fn, spillwayFunction] of Object.entries(props.functions)) {
      const title = fn.charAt(0).toUpperCase() + fn.slice(1);
      alarm(`${title}Errors`, {
        ...any,
        alarmName: name(`${fn}-errors`),
        alarmDescription: `The ${fn} function failed invocations.`,
        metric: spillwayFunction.function.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
      });
      alarm(`${title}Throttles`, {
        ...any,
        alarmName: name(`${fn}-throttles`),
        alarmDescription: `The ${fn} function was throttled (its concurrency bound or the account's).`,
        metric: spillwayFunction.function.metricThrottles({ period: Duration.minutes(5), statistic: 'Sum' }),
      });
    }
    alarm('Api5xx', {
      ...any,
      alarmName: name('webhook-5xx'),
      alarmDescription: 'The webhook API answered 5xx: monitors retry, but signals are delayed.',
      metric: new Metric({
        namespace: 'AWS/ApiGateway',
        metricName: '5xx',
        dimensionsMap: { ApiId: props.api.apiId, Stage: props.api.stageName },
        statistic: 'Sum',
        period: Duration.minutes(5),
      }),
    });
    const regions = [...new Set(config.workloads.flatMap((w) => w.burstRegions.map((r) => r.region)))];
    for (const region of regions) {
      alarm(`DrainFailed-${region}`, {
        ...any,
        alarmName: name(`drain-failed-${region}`),
        alarmDescription: `A drain in ${region} failed; Spillway retries it, then stops the task at once (decision log says why).`,
        metric: spillwayMetric(environment, 'DrainsFailed', { region }),
      });
      alarm(`BreakerOpen-${region}`, {
        alarmName: name(`breaker-open-${region}`),
        alarmDescription: `Launches in ${region} have kept failing for ${BREAKER_OPEN_ALARM_MINUTES} minutes: its breaker is open and bursts go elsewhere.`,
        metric: spillwayMetric(environment, 'BreakerOpen', { region }, { statistic: 'Average' }),
        threshold: 0.5,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: BREAKER_OPEN_ALARM_MINUTES / 5,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
    }
    for (const site of config.sites.filter((s) => s.heartbeat)) {
      alarm(`SiteLost-${site.id}`, {
        ...any,
        alarmName: name(`site-lost-${site.id}`),
        alarmDescription: `Site ${site.id} is lost (no heartbeats${site.heartbeat?.witness ? ' and its witness failing' : ''}, or declared by hand): its workloads are evacuated to their burst regions (docs/site-loss.md).`,
        metric: spillwayMetric(environment, 'SiteLost', { site: site.id }, { statistic: 'Maximum' }),
      });
    }
    for (const workload of config.workloads) {
      alarm(`CrashLoop-${workload.name}`, {
        ...any,
        alarmName: name(`crash-loop-${workload.name}`),
        alarmDescription: `${workload.name}'s burst tasks keep dying: Spillway stopped replacing them.`,
        metric: spillwayMetric(environment, 'CrashLoops', { workload: workload.name }),
      });
      const home = config.sites.find((s) => s.id === workload.homeSite)?.heartbeat;
      if (
        home?.spendGuardDuringLoss === 'exceed' &&
        (workload.maxBurstCostPerHour !== undefined || config.spendGuard)
      )
        alarm(`SpendGuardExceeded-${workload.name}`, {
          ...any,
          alarmName: name(`spend-guard-exceeded-${workload.name}`),
          alarmDescription: `${workload.name}'s evacuation for a lost site started tasks beyond a spend guard (spendGuardDuringLoss: exceed).`,
          metric: spillwayMetric(environment, 'SpendGuardExceeded', { workload: workload.name }),
        });
      alarm(`ReconcileErrors-${workload.name}`, {
        ...any,
        alarmName: name(`reconcile-errors-${workload.name}`),
        alarmDescription: `The reconciler could not reconcile ${workload.name}; the others go on.`,
        metric: spillwayMetric(environment, 'ReconcileErrors', { workload: workload.name }),
      });
      alarm(`DrillFailed-${workload.name}`, {
        ...any,
        alarmName: name(`drill-failed-${workload.name}`),
        alarmDescription: `A readiness drill of ${workload.name} failed in a burst region: that burst path would fail under pressure (spillway status says which region and why; docs/drills.md).`,
        metric: spillwayMetric(environment, 'DrillsFailed', { workload: workload.name }),
      });
    }
  }
}
