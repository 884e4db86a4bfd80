import { Duration } from 'aws-cdk-lib';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction, SqsQueue } from 'aws-cdk-lib/aws-events-targets';
import { Construct } from 'constructs';
import type { SpillwayConfig } from '../../src/config/schema';
import { alarmRulePattern } from '../alarm-rule-pattern';
import { burstArns } from '../burst-arns';
import type { BurstRegionTopology } from '../burst-topology';
import { logRetentionFor, removalPolicyFor } from '../deploy-environment';
import { acknowledge } from '../guardrails';
import { functionEntry } from '../repository-paths';
import { BurstControlAccess } from './burst-control-access';
import type { ControlPlaneStateful } from './control-plane-stateful';
import { DrillSchedules } from './drill-schedules';
import { MaintenanceSchedules } from './maintenance-schedules';
import { SpillwayFunction } from './spillway-function';
import { burstTaskStatePattern } from './task-state-forwarding';
import { WebhookApi } from './webhook-api';

export interface ControlPlaneStatelessProps {
  /** The environment's validated config, bundled into every function. */
  readonly config: SpillwayConfig;
  /** The burst regions the functions act in. */
  readonly topology: readonly BurstRegionTopology[];
  /** The state, queue and secret the functions are granted. */
  readonly stateful: ControlPlaneStateful;
  /**
   * The time of the synth: maintenance windows that are over by then get no schedules.
   * @default now
   */
  readonly now?: Date;
}

/** Ingest answers a monitor's webhook call, which waits on it. */
export const INGEST_TIMEOUT = Duration.seconds(10);
/** Decide handles a batch of up to ten signals; the signals queue's visibility timeout follows from it. */
export const DECIDE_TIMEOUT = Duration.seconds(60);
/** Reconcile runs once a minute and must finish before the next run. */
export const RECONCILE_TIMEOUT = Duration.seconds(60);
/**
 * Reconcile runs at most this many at once: the minute's tick and the task state changes of a burst
 * (each reconciling one workload). More would race on the same states' versions and spend ECS's
 * DescribeTasks quota; an event that finds them all busy waits in Lambda's queue and is retried.
 */
export const RECONCILE_RESERVED_CONCURRENCY = 3;
/**
 * An event older than this is not worth reconciling for: the minute's tick has converged since.
 */
export const RECONCILE_MAX_EVENT_AGE = Duration.minutes(5);

/**
 * The control plane's compute: the ingest function behind the webhook API, the decide function on
 * the signals queue, the reconcile function on a one-minute schedule, the EventBridge rule
 * that turns CloudWatch alarm state changes into signals, and the maintenance windows' schedules.
 */
export class ControlPlaneStateless extends Construct {
  readonly ingest: SpillwayFunction;
  readonly decide: SpillwayFunction;
  readonly reconcile: SpillwayFunction;
  readonly api: WebhookApi;
  readonly alarmRule: Rule | undefined;
  readonly reconcileSchedule: Rule;
  readonly taskStateRule: Rule;
  readonly maintenanceSchedules: MaintenanceSchedules;
  readonly drillSchedules: DrillSchedules;

  constructor(scope: Construct, id: string, props: ControlPlaneStatelessProps) {
    super(scope, id);
    const { config, stateful } = props;
    const environment = config.environment;

    this.ingest = new SpillwayFunction(this, 'Ingest', {
      entry: functionEntry('ingest'),
      config,
      description: 'authenticates monitor webhooks and puts their signals on the queue',
      timeout: INGEST_TIMEOUT,
    });
    stateful.grantSignalsSend(this.ingest);
    stateful.grantWebhookTokenRead(this.ingest);

    this.decide = new SpillwayFunction(this, 'Decide', {
      entry: functionEntry('decide'),
      config,
      description: 'applies policy to signals and starts burst tasks or drains',
      timeout: DECIDE_TIMEOUT,
    });
    this.reconcile = new SpillwayFunction(this, 'Reconcile', {
      entry: functionEntry('reconcile'),
      config,
      description: 'converges recorded state with the tasks ECS runs',
      timeout: RECONCILE_TIMEOUT,
      reservedConcurrentExecutions: RECONCILE_RESERVED_CONCURRENCY,
    });
    this.reconcile.function.configureAsyncInvoke({ maxEventAge: RECONCILE_MAX_EVENT_AGE, retryAttempts: 2 });
    const burstControl = new BurstControlAccess(this, 'BurstControl', {
      environment,
      topology: props.topology,
    });
    stateful.grantStateReadWrite(this.decide);
    stateful.grantStateReadWrite(this.reconcile);
    burstControl.grantDecide(this.decide);
    burstControl.grantReconcile(this.reconcile);
    // A lost site's evacuations are applied by the reconciler itself (usecases/apply-commands.ts):
    // it needs no permission on the signals queue.
    stateful.addSignalsConsumer(this.decide);

    this.api = new WebhookApi(this, 'WebhookApi', {
      environment,
      handler: this.ingest.function,
      accessLogRetention: logRetentionFor(environment),
      removalPolicy: removalPolicyFor(environment),
    });

    const pattern = alarmRulePattern(config);
    this.alarmRule = pattern
      ? new Rule(this, 'AlarmSignalsRule', {
          description: 'CloudWatch alarm state changes of mapped alarms, as signals',
          eventPattern: {
            source: [...pattern.source],
            detailType: [...pattern['detail-type']],
            detail: { alarmName: [...pattern.detail.alarmName] },
          },
          targets: [
            new SqsQueue(stateful.signalsQueue, {
              // Undeliverable events join the failed signals: one queue to watch, alarm on and redrive.
              deadLetterQueue: stateful.signalsDlq,
              retryAttempts: 10,
              // An alarm transition older than this is better left to the next evaluation and the reconciler.
              maxEventAge: Duration.hours(1),
            }),
          ],
        })
      : undefined;

    const arns = burstArns(this, environment);
    this.taskStateRule = new Rule(this, 'TaskStateRule', {
      description:
        'ECS task state changes of burst tasks (forwarded from the burst regions) trigger the reconciler',
      eventPattern: burstTaskStatePattern(
        props.topology.flatMap((region) =>
          region.clusterNames.map((name) => arns.cluster(region.region, name)),
        ),
      ),
      targets: [
        new LambdaFunction(this.reconcile.function, { retryAttempts: 2, maxEventAge: Duration.minutes(5) }),
      ],
    });

    this.reconcileSchedule = new Rule(this, 'ReconcileSchedule', {
      description: 'Runs the Spillway reconciler every minute',
      schedule: Schedule.rate(Duration.minutes(1)),
      targets: [
        // A missed tick is not worth a retry: the next one is a minute away.
        new LambdaFunction(this.reconcile.function, { retryAttempts: 0, maxEventAge: Duration.minutes(1) }),
      ],
    });

    acknowledgeFailureHandling(this);

    this.maintenanceSchedules = new MaintenanceSchedules(this, 'MaintenanceSchedules', {
      config,
      queue: stateful.signalsQueue,
      deadLetterQueue: stateful.signalsDlq,
      ...(props.now ? { now: props.now } : {}),
    });
    this.drillSchedules = new DrillSchedules(this, 'DrillSchedules', {
      config,
      queue: stateful.signalsQueue,
      deadLetterQueue: stateful.signalsDlq,
    });
  }
}

/**
 * Where a failed invocation goes instead of a Lambda dead-letter target or failure destination,
 * function by function (cdk-nag's Serverless pack asks for those).
 */
function acknowledgeFailureHandling(stateless: ControlPlaneStateless): void {
  acknowledge(
    stateless.ingest.function,
    'Serverless-LambdaDLQ',
    'Ingest is invoked synchronously by API Gateway: a failure is the 5xx answer to the monitor, which ' +
      'retries the delivery itself; there is no asynchronous event to keep.',
  );
  acknowledge(
    stateless.decide.function,
    'Serverless-LambdaDLQ',
    'Decide is fed by the signals queue: a signal it cannot process is reported as a batch item failure ' +
      'and moves to the signals dead-letter queue by the queue redrive policy, with an alarm on it.',
  );
  acknowledge(
    stateless.decide.function,
    'Serverless-LambdaEventSourceMappingDestination',
    'On-failure destinations of event source mappings serve streams; for SQS the signals queue redrive ' +
      'policy moves a failing signal to the dead-letter queue after five receives.',
  );
  const reconcileMakesUp =
    'The reconciler is idempotent and runs every minute on a schedule: a failed or lost run (a tick or a ' +
    'task state change) is made up by the next tick, and failures show in its Errors metric.';
  acknowledge(stateless.reconcile.function, 'Serverless-LambdaDLQ', reconcileMakesUp);
  acknowledge(stateless.reconcile.function, 'Serverless-LambdaAsyncFailureDestination', reconcileMakesUp);
  acknowledge(stateless.reconcileSchedule, 'Serverless-EventBusDLQ', reconcileMakesUp);
  acknowledge(stateless.taskStateRule, 'Serverless-EventBusDLQ', reconcileMakesUp);
}
