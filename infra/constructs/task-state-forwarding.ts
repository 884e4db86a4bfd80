import { Duration, type RemovalPolicy, Stack } from 'aws-cdk-lib';
import { type CfnRule, EventBus, Rule } from 'aws-cdk-lib/aws-events';
import { EventBus as EventBusTarget } from 'aws-cdk-lib/aws-events-targets';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { burstArns } from '../burst-arns';
import { acknowledge } from '../guardrails';

export interface TaskStateForwardingProps {
  readonly environment: string;
  /** This burst region's cluster names. */
  readonly clusterNames: readonly string[];
  /** Where the control plane runs: that region's default event bus receives the events. */
  readonly controlRegion: string;
  /** What happens to the dead-letter queue of undeliverable events when the stack is deleted. */
  readonly removalPolicy: RemovalPolicy;
}

/**
 * ECS task state changes of burst tasks (started by Spillway, in Spillway's clusters) that the
 * reconciler acts on: a task that runs (it may join its target group), one that stopped (it is
 * replaced or its drain ends), and Fargate Spot's interruption warning, which comes while the
 * task still runs or is already stopping. A task passes through eight to ten states; the others
 * (PROVISIONING, PENDING, ACTIVATING, DEACTIVATING…) would each start a reconcile that changes
 * nothing, and a burst of 40 tasks would mean hundreds of them racing on the same versions.
 */
export const burstTaskStatePattern = (clusterArns: readonly string[]) => ({
  source: ['aws.ecs'],
  detailType: ['ECS Task State Change'],
  detail: {
    startedBy: ['spillway'],
    clusterArn: [...clusterArns],
    $or: [{ lastStatus: ['RUNNING', 'STOPPED'] }, { stopCode: ['SpotInterruption'] }],
  },
});

/** How long EventBridge keeps trying to deliver a forwarded event; the reconciler's tick covers the rest. */
export const FORWARDING_MAX_EVENT_AGE = Duration.minutes(15);
export const FORWARDING_RETRY_ATTEMPTS = 8;

/**
 * Forwards ECS Task State Change events of burst tasks from a burst region to the control
 * region's default event bus, where they trigger the reconciler at once: a task that died is
 * seen in seconds rather than at the next minute's tick.
 */
export class TaskStateForwarding extends Construct {
  readonly rule: Rule;
  readonly deadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: TaskStateForwardingProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const arns = burstArns(this, props.environment);
    const controlBus = EventBus.fromEventBusArn(
      this,
      'ControlBus',
      stack.formatArn({
        service: 'events',
        region: props.controlRegion,
        resource: 'event-bus',
        resourceName: 'default',
      }),
    );
    // An event the control bus refused (throttled, or the control region having trouble) lands here
    // instead of vanishing; the reconciler's minute tick converges anyway, so it is for diagnosis.
    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      queueName: `spillway-${props.environment}-task-state-forwarding-dlq`,
      retentionPeriod: Duration.days(14),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      removalPolicy: props.removalPolicy,
    });
    const isDeadLetterQueue =
      'This queue is the dead-letter queue of the forwarding rule target (EventBridge writes events it could ' +
      'not deliver here), which cdk-nag cannot see; nothing redrives it: the reconciler converges anyway.';
    acknowledge(this.deadLetterQueue, 'AwsSolutions-SQS3', isDeadLetterQueue);
    acknowledge(this.deadLetterQueue, 'Serverless-SQSRedrivePolicy', isDeadLetterQueue);
    // The rule's name is fixed so its role can trust exactly it (confused deputy): EventBridge in
    // this account, for this rule, and nothing else may put events on the control bus as it.
    const ruleName = `spillway-${props.environment}-task-state-forwarding`;
    const role = new Role(this, 'Role', {
      description: `Spillway ${props.environment}: puts burst task state changes on the control region's bus`,
      assumedBy: new ServicePrincipal('events.amazonaws.com').withConditions({
        StringEquals: { 'aws:SourceAccount': stack.account },
        ArnEquals: {
          'aws:SourceArn': stack.formatArn({ service: 'events', resource: 'rule', resourceName: ruleName }),
        },
      }),
    });
    this.rule = new Rule(this, 'Rule', {
      ruleName,
      description: 'Spillway burst task state changes, forwarded to the control region',
      eventPattern: burstTaskStatePattern(props.clusterNames.map((name) => arns.cluster(stack.region, name))),
      targets: [new EventBusTarget(controlBus, { deadLetterQueue: this.deadLetterQueue, role })],
    });
    // CloudFormation takes a retry policy on any target; CDK's event bus target does not offer one.
    // Without it EventBridge retries for 24 hours, long after the reconciler's tick has converged.
    (this.rule.node.defaultChild as CfnRule).addPropertyOverride('Targets.0.RetryPolicy', {
      MaximumRetryAttempts: FORWARDING_RETRY_ATTEMPTS,
      MaximumEventAgeInSeconds: FORWARDING_MAX_EVENT_AGE.toSeconds(),
    });
  }
}
