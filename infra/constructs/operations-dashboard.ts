import { Duration } from 'aws-cdk-lib';
import { Dashboard, GraphWidget, type IMetric, MathExpression, TextWidget } from 'aws-cdk-lib/aws-cloudwatch';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { MetricName } from '../../src/usecases/metrics';
import { spillwayMetric, spillwaySearch } from '../spillway-metrics';
import type { SpillwayFunction } from './spillway-function';

export interface OperationsDashboardProps {
  readonly environment: string;
  readonly signalsQueue: Queue;
  readonly signalsDlq: Queue;
  readonly functions: Readonly<Record<'ingest' | 'decide' | 'reconcile', SpillwayFunction>>;
}

/**
 * One dashboard per environment with what Spillway does, per workload and region: signals in,
 * decisions, launches, drains, breakers and latency, then the plumbing (queue, functions). Each
 * Spillway graph searches its metric, so a new workload or region appears without a deploy.
 */
export class OperationsDashboard extends Construct {
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: OperationsDashboardProps) {
    super(scope, id);
    const { environment } = props;
    const search = (name: MetricName, label: string, statistic = 'Sum'): IMetric =>
      new MathExpression({
        expression: spillwaySearch(environment, name, statistic),
        label,
        period: Duration.minutes(5),
      });
    const graph = (title: string, metrics: IMetric[], width = 8) =>
      new GraphWidget({ title, left: metrics, width, height: 6 });
    const fns = Object.entries(props.functions);

    this.dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: `spillway-${environment}`,
      defaultInterval: Duration.hours(3),
    });
    this.dashboard.addWidgets(
      new TextWidget({
        markdown: `# Spillway ${environment}\nRunbook: docs/operations.md (one entry per alarm). Decision log: \`spillway history <workload> --env ${environment}\`.`,
        width: 24,
        height: 2,
      }),
    );
    this.dashboard.addWidgets(
      graph('Signals accepted, by source', [search('SignalsAccepted', '')]),
      graph('Signals refused, by source and reason', [search('SignalsRejected', '')]),
      graph('Decisions, by workload and kind', [search('Decisions', '')]),
    );
    this.dashboard.addWidgets(
      graph('Burst tasks started, by region', [search('LaunchesStarted', '')]),
      graph('Burst tasks not started, by region and reason', [search('LaunchesFailed', '')]),
      graph('Signal observed → RunTask answered (ms)', [
        spillwayMetric(environment, 'DecisionLatency', {}, { statistic: 'p50', label: 'p50' }),
        spillwayMetric(environment, 'DecisionLatency', {}, { statistic: 'p99', label: 'p99' }),
      ]),
    );
    this.dashboard.addWidgets(
      graph('Drains started / succeeded, by region', [
        search('DrainsStarted', ''),
        search('DrainsSucceeded', ''),
      ]),
      graph('Drains cancelled / failed, by region', [
        search('DrainsCancelled', ''),
        search('DrainsFailed', ''),
      ]),
      graph('Launch breakers: open (1), opened, closed, by region', [
        search('BreakerOpen', '', 'Maximum'),
        search('BreakerOpened', ''),
        search('BreakerClosed', ''),
      ]),
    );
    this.dashboard.addWidgets(
      graph('Crash loops and spend-guard holds, by workload', [
        search('CrashLoops', ''),
        search('SpendGuardHolds', ''),
      ]),
      graph('Sites lost (1), spend guard exceeded for a site loss', [
        search('SiteLost', '', 'Maximum'),
        search('SpendGuardExceeded', ''),
      ]),
      graph('Signals queue: depth, oldest (s), dead letters', [
        props.signalsQueue.metricApproximateNumberOfMessagesVisible({ label: 'queued' }),
        props.signalsQueue.metricApproximateAgeOfOldestMessage({ label: 'oldest (s)' }),
        props.signalsDlq.metricApproximateNumberOfMessagesVisible({ label: 'dead letters' }),
      ]),
      graph('Functions: errors, throttles, reconcile errors', [
        ...fns.flatMap(([name, fn]) => [
          fn.function.metricErrors({ label: `${name} errors` }),
          fn.function.metricThrottles({ label: `${name} throttles` }),
        ]),
        search('ReconcileErrors', ''),
      ]),
      graph('Readiness drills failed, per workload', [search('DrillsFailed', '')]),
    );
  }
}
