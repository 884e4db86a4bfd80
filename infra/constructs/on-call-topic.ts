import type { RemovalPolicy } from 'aws-cdk-lib';
import type { Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { SubscriptionProtocol, Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription, UrlSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import type { SpillwayConfig } from '../../src/config/schema';

export interface OnCallTopicProps {
  readonly environment: string;
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
      topicName: `spillway-${props.environment}-alarms`,
      displayName: `Spillway ${props.environment} alarms`,
      masterKey: key,
      enforceSSL: true,
    });
    for (const email of props.notifications.emails) this.topic.addSubscription(new EmailSubscription(email));
    for (const url of props.notifications.https)
      this.topic.addSubscription(new UrlSubscription(url, { protocol: SubscriptionProtocol.HTTPS }));
  }

  /** The alarm notifies the topic when it fires and when it recovers. */
  notify(alarm: Alarm): Alarm {
    const action = new SnsAction(this.topic);
    alarm.addAlarmAction(action);
    alarm.addOkAction(action);
    return alarm;
  }
}
