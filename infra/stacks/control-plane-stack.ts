import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { SpillwayConfig } from '../../src/config/schema';
import type { BurstRegionTopology } from '../burst-topology';
import { ControlPlaneStateful, VISIBILITY_TIMEOUT_FACTOR } from '../constructs/control-plane-stateful';
import { ControlPlaneStateless, DECIDE_TIMEOUT } from '../constructs/control-plane-stateless';

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
