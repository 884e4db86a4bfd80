import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ENV, resourceNames } from '../../src/runtime/env-names';
import { DECIDE_BATCHES_AT_ONCE } from '../../src/usecases/process-batch';
import { deletionProtectionFor, removalPolicyFor } from '../deploy-environment';
import { acknowledge } from '../guardrails';
import type { SpillwayFunction } from './spillway-function';

export interface ControlPlaneStatefulProps {
  /** Deployment environment; names every resource. */
  readonly environment: string;
  /**
   * How long a received signal stays invisible to other consumers. Lambda's guidance for SQS event
   * sources: at least six times the consumer's timeout, checked by `addSignalsConsumer`.
   */
  readonly signalsVisibilityTimeout: Duration;
  /**
   * What happens to the table, the queues and the secret when the stack is deleted.
   * @default RETAIN in prod, DESTROY elsewhere
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Whether the state table refuses DeleteTable (a stack update that replaces it fails too).
   * @default true in prod
   */
  readonly deletionProtection?: boolean;
}

/** How a consumer of the signals queue reads it. */
export interface SignalsConsumerOptions {
  /** @default 10 */
  readonly batchSize?: number;
  /** @default 1 second */
  readonly maxBatchingWindow?: Duration;
  /**
   * The most concurrent invocations the event source starts.
   * @default DECIDE_MAX_CONCURRENCY
   */
  readonly maxConcurrency?: number;
}

/**
 * Concurrent decide invocations the signals queue feeds: the same number the local runtime uses
 * (why it is small: DECIDE_BATCHES_AT_ONCE in src/usecases/process-batch.ts).
 */
export const DECIDE_MAX_CONCURRENCY = DECIDE_BATCHES_AT_ONCE;

/** Lambda's guidance: visibility timeout ≥ 6 × function timeout, so retries do not overlap. */
export const VISIBILITY_TIMEOUT_FACTOR = 6;

/** Receives before a signal moves to the dead-letter queue. */
export const SIGNALS_MAX_RECEIVE_COUNT = 5;

/**
 * The control plane's state: the workload state table (and decision log), the signals queue with
 * its dead-letter queue and alarm, and the webhook bearer token. Functions get access through the
 * `grant…` methods, which set the environment variable and the permission together.
 */
export class ControlPlaneStateful extends Construct {
  readonly stateTable: Table;
  readonly signalsQueue: Queue;
  readonly signalsDlq: Queue;
  readonly signalsDlqAlarm: Alarm;
  readonly webhookTokenSecret: Secret;
  private readonly signalsVisibilityTimeout: Duration;

  constructor(scope: Construct, id: string, props: ControlPlaneStatefulProps) {
    super(scope, id);
    const names = resourceNames(props.environment);
    const removalPolicy = props.removalPolicy ?? removalPolicyFor(props.environment);
    const deletionProtection = props.deletionProtection ?? deletionProtectionFor(props.environment);
    this.signalsVisibilityTimeout = props.signalsVisibilityTimeout;

    this.stateTable = new Table(this, 'StateTable', {
      tableName: names.stateTable,
      partitionKey: { name: 'pk', type: AttributeType.STRING },
      sortKey: { name: 'sk', type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: 'expiresAt',
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: TableEncryption.AWS_MANAGED,
      deletionProtection,
      removalPolicy,
    });

    this.signalsDlq = new Queue(this, 'SignalsDlq', {
      queueName: names.signalsDlq,
      retentionPeriod: Duration.days(14),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // Dead letters are signals not yet acted on: a stack deletion must not take them in prod.
      removalPolicy,
    });
    acknowledge(
      this.signalsDlq,
      'Serverless-SQSRedrivePolicy',
      'This is the dead-letter queue of the signals queue (and of the rules and schedules that send to it): ' +
        'its messages are redriven by an operator (spillway dlq redrive), not by another queue.',
    );
    this.signalsQueue = new Queue(this, 'SignalsQueue', {
      queueName: names.signalsQueue,
      visibilityTimeout: props.signalsVisibilityTimeout,
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      deadLetterQueue: { queue: this.signalsDlq, maxReceiveCount: SIGNALS_MAX_RECEIVE_COUNT },
      removalPolicy,
    });
    // Invariant 4: a signal that cannot be processed is never dropped silently.
    this.signalsDlqAlarm = new Alarm(this, 'SignalsDlqAlarm', {
      alarmName: `${names.signalsDlq}-not-empty`,
      alarmDescription: 'Spillway signals could not be processed and wait in the dead-letter queue.',
      metric: this.signalsDlq.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(1),
        statistic: 'Maximum',
      }),
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });

    this.webhookTokenSecret = new Secret(this, 'WebhookTokenSecret', {
      secretName: `spillway/${props.environment}/webhook-token`,
      // One JSON secret for every source, {"alertmanager": ["token"], "grafana": "hmac-key", …}
      // (docs/ingest.md); the generated plain token stands for the alertmanager entry.
      description: 'Webhook credentials of every monitor source (bearer tokens, basic pairs, HMAC keys).',
      generateSecretString: { passwordLength: 48, excludePunctuation: true },
      removalPolicy,
    });
    acknowledge(
      this.webhookTokenSecret,
      'AwsSolutions-SMG4',
      'The credentials are configured by hand in every on-prem monitor, so rotation is an operator procedure: ' +
        'list ["new", "old"] under the source in the secret (ingest accepts both, re-reading it every 5 minutes), ' +
        'update the monitors, then drop the old one. A rotation Lambda cannot update the monitors.',
    );
  }

  /**
   * Read and conditional writes on workload state and the decision log. BatchGetItem loads every
   * workload's state for the spend guard. A transaction (the state and its decision together) is
   * authorised item by item, and both items are puts: TransactWriteItems is no IAM action.
   */
  grantStateReadWrite(fn: SpillwayFunction): void {
    fn.addEnvironment(ENV.stateTable, this.stateTable.tableName);
    this.stateTable.grant(
      fn,
      'dynamodb:GetItem',
      'dynamodb:BatchGetItem',
      'dynamodb:Query',
      'dynamodb:PutItem',
    );
  }

  /** Sending signals (SendMessage covers SendMessageBatch), and nothing else on the queue. */
  grantSignalsSend(fn: SpillwayFunction): void {
    fn.addEnvironment(ENV.signalsQueueUrl, this.signalsQueue.queueUrl);
    fn.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.signalsQueue.queueArn] }),
    );
  }

  /**
   * Makes `fn` the consumer of the signals queue, reporting partial batch failures so that one bad
   * signal is retried alone rather than with its whole batch.
   */
  addSignalsConsumer(fn: SpillwayFunction, options: SignalsConsumerOptions = {}): void {
    const required = fn.timeout.toSeconds() * VISIBILITY_TIMEOUT_FACTOR;
    if (this.signalsVisibilityTimeout.toSeconds() < required) {
      throw new Error(
        `signals queue visibility timeout is ${this.signalsVisibilityTimeout.toSeconds()} s, but its consumer ` +
          `${fn.node.path} times out after ${fn.timeout.toSeconds()} s: it must be at least ${required} s`,
      );
    }
    fn.addEnvironment(ENV.signalsQueueUrl, this.signalsQueue.queueUrl);
    fn.function.addEventSource(
      new SqsEventSource(this.signalsQueue, {
        batchSize: options.batchSize ?? 10,
        maxBatchingWindow: options.maxBatchingWindow ?? Duration.seconds(1),
        maxConcurrency: options.maxConcurrency ?? DECIDE_MAX_CONCURRENCY,
        reportBatchItemFailures: true,
      }),
    );
  }

  /** Reading the webhook bearer token, which ingest compares with the one a monitor presents. */
  grantWebhookTokenRead(fn: SpillwayFunction): void {
    fn.addEnvironment(ENV.webhookTokenSecretArn, this.webhookTokenSecret.secretArn);
    fn.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['secretsmanager:GetSecretValue'],
        resources: [this.webhookTokenSecret.secretArn],
      }),
    );
  }
}
