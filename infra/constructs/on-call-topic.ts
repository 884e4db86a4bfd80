import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import type { Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { SubscriptionProtocol, Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription, UrlSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { SpillwayConfig } from '../../src/config/schema';
import { acknowledge } from '../guardrails';

export interface OnCallTopicProps {
  readonly environment: string;
  /** Which plane's topic: a burst region can be the control region too, and names must differ. */
  readonly plane: 'control' | 'burst';
  /** The config's `notifications`: who is subscribed. */
  readonly notifications: SpillwayConfig['notifications'];
  readonly removalPolicy: RemovalPolicy;
}

/**
 * Where Spillway's own alarms go in one region: an encrypted SNS topic with the environment's
 * subscriptions. CloudWatch alarms publish only to a topic in their own region, so the control
 * region and every burst region have one, with the same subscribers.
 */
export class OnCallTopic extends Construct {
  readonly topic: Topic;
  /** Where SNS keeps what it could not deliver; absent when nobody is subscribed. */
  readonly undelivered?: Queue;

  constructor(scope: Construct, id: string, props: OnCallTopicProps) {
    super(scope, id);
    // A customer managed key: CloudWatch cannot publish to a topic under the AWS managed SNS key.
    const key = new Key(this, 'Key', {
      description: `Spillway ${props.environment} alarm topic`,
      enableKeyRotation: true,
      removalPolicy: props.removalPolicy,
    });
    key.addToResourcePolicy(
      new PolicyStatement({
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        resources: ['*'],
      }),
    );
    this.topic = new Topic(this, 'Topic', {
      topicName: `spillway-${props.environment}-${props.plane}-alarms`,
      displayName: `Spillway ${props.environment} alarms`,
      masterKey: key,
      enforceSSL: true,
    });
    const { emails, https } = props.notifications;
    if (emails.length + https.length === 0) return;
    // A page SNS could not deliver (a chat endpoint down) waits here for two weeks instead of vanishing.
    this.undelivered = new Queue(this, 'Undelivered', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy: props.removalPolicy,
    });
    const isDeadLetterQueue =
      "This queue is the dead-letter queue of the alarm topic's subscriptions (SNS writes the alarms it could " +
      'not deliver here), which cdk-nag cannot see.';
    acknowledge(this.undelivered, 'AwsSolutions-SQS3', isDeadLetterQueue);
    acknowledge(this.undelivered, 'Serverless-SQSRedrivePolicy', isDeadLetterQueue);
    const deadLetterQueue = this.undelivered;
    for (const email of emails) this.topic.addSubscription(new EmailSubscription(email, { deadLetterQueue }));
    for (const url of https)
      this.topic.addSubscription(
        new UrlSubscription(url, { protocol: SubscriptionProtocol.HTTPS, deadLetterQueue }),
      );
  }

  /** The alarm notifies the topic when it fires and when it recovers. */
  notify(alarm: Alarm): Alarm {
    const action = new SnsAction(this.topic);
    alarm.addAlarmAction(action);
    alarm.addOkAction(action);
    return alarm;
  }
}
