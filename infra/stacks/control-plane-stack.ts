import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { SpillwayConfig } from '../../src/config/schema';
import type { BurstRegionTopology } from '../burst-topology';
import { ControlPlaneAlarms } from '../constructs/control-plane-alarms';
import { ControlPlaneStateful, VISIBILITY_TIMEOUT_FACTOR } from '../constructs/control-plane-stateful';
import { ControlPlaneStateless, DECIDE_TIMEOUT } from '../constructs/control-plane-stateless';
import { OnCallTopic } from '../constructs/on-call-topic';
import { OperationsDashboard } from '../constructs/operations-dashboard';
import { removalPolicyFor } from '../deploy-environment';

export interface ControlPlaneStackProps extends StackProps {
  /** The environment's validated config. */
  readonly config: SpillwayConfig;
  /** The burst regions, as derived from the config. */
  readonly topology: readonly BurstRegionTopology[];
  /**
   * The time of the synth, which decides the maintenance windows still ahead.
   * @default now
   */
  readonly now?: Date;
}

/**
 * The control plane, in the config's control region: state, signals queue, webhook API, and the
 * ingest, decide and reconcile functions.
 */
export class ControlPlaneStack extends Stack {
  readonly stateful: ControlPlaneStateful;
  readonly stateless: ControlPlaneStateless;
  readonly onCall: OnCallTopic;
  readonly alarms: ControlPlaneAlarms;

  constructor(scope: Construct, id: string, props: ControlPlaneStackProps) {
    super(scope, id, props);
    const environment = props.config.environment;

    this.stateful = new ControlPlaneStateful(this, 'Stateful', {
      environment,
      // Checked again when decide subscribes: the queue must outlast six decide timeouts.
      signalsVisibilityTimeout: Duration.seconds(DECIDE_TIMEOUT.toSeconds() * VISIBILITY_TIMEOUT_FACTOR),
    });
    this.stateless = new ControlPlaneStateless(this, 'Stateless', {
      config: props.config,
      topology: props.topology,
      stateful: this.stateful,
      ...(props.now ? { now: props.now } : {}),
    });

    // Where Spillway's own alarms go, and what an on-call engineer looks at.
    this.onCall = new OnCallTopic(this, 'OnCall', {
      environment,
      plane: 'control',
      notifications: props.config.notifications,
      removalPolicy: removalPolicyFor(environment),
    });
    const functions = {
      ingest: this.stateless.ingest,
      decide: this.stateless.decide,
      reconcile: this.stateless.reconcile,
    };
    this.alarms = new ControlPlaneAlarms(this, 'Alarms', {
      config: props.config,
      onCall: this.onCall,
      signalsQueue: this.stateful.signalsQueue,
      signalsDlqAlarm: this.stateful.signalsDlqAlarm,
      functions,
      api: { apiId: this.stateless.api.httpApi.apiId, stageName: '$default' },
    });
    new OperationsDashboard(this, 'Dashboard', {
      environment,
      signalsQueue: this.stateful.signalsQueue,
      signalsDlq: this.stateful.signalsDlq,
      functions,
    });

    new CfnOutput(this, 'AlarmTopicArn', {
      description: "Topic of Spillway's own alarms: subscribe on-call here (config: notifications)",
      value: this.onCall.topic.topicArn,
    });
    new CfnOutput(this, 'WebhookApiUrl', {
      description: 'Base URL of the webhook API: POST <url>webhooks/<source>',
      value: this.stateless.api.url,
    });
    new CfnOutput(this, 'SignalsQueueUrl', { value: this.stateful.signalsQueue.queueUrl });
    new CfnOutput(this, 'SignalsDlqUrl', { value: this.stateful.signalsDlq.queueUrl });
    new CfnOutput(this, 'StateTableName', { value: this.stateful.stateTable.tableName });
    new CfnOutput(this, 'WebhookTokenSecretArn', {
      description: 'Secret holding the bearer token monitors must present',
      value: this.stateful.webhookTokenSecret.secretArn,
    });
  }
}
