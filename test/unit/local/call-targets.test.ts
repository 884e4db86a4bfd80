import { describe, expect, it } from 'vitest';
import { callTargets, type SdkCall } from '../../../src/local/call-targets';

const call = (fields: Partial<SdkCall> & Pick<SdkCall, 'client' | 'operation'>): SdkCall => ({
  region: 'us-west-2',
  account: '123456789012',
  input: {},
  ...fields,
});

describe('what IAM authorises for an SDK call', () => {
  it('authorises a transaction item by item, as the item actions on their tables', () => {
    // Act
    const targets = callTargets(
      call({
        client: 'DynamoDBClient',
        operation: 'TransactWriteItems',
        input: {
          TransactItems: [
            { Put: { TableName: 'state' } },
            { ConditionCheck: { TableName: 'other' } },
            { Update: { TableName: 'state' } },
          ],
        },
      }),
    );

    // Assess
    expect(targets).toEqual({
      modelled: true,
      requests: [
        { action: 'dynamodb:PutItem', resource: 'arn:aws:dynamodb:us-west-2:123456789012:table/state' },
        {
          action: 'dynamodb:ConditionCheckItem',
          resource: 'arn:aws:dynamodb:us-west-2:123456789012:table/other',
        },
        { action: 'dynamodb:UpdateItem', resource: 'arn:aws:dynamodb:us-west-2:123456789012:table/state' },
      ],
    });
  });

  it('authorises SendMessageBatch as sqs:SendMessage on the queue its URL names', () => {
    // Act
    const targets = callTargets(
      call({
        client: 'SQSClient',
        operation: 'SendMessageBatch',
        region: 'eu-central-1',
        input: { QueueUrl: 'http://127.0.0.1:4566/111122223333/signals' },
      }),
    );

    // Assess
    expect(targets).toEqual({
      modelled: true,
      requests: [{ action: 'sqs:SendMessage', resource: 'arn:aws:sqs:eu-central-1:111122223333:signals' }],
    });
  });

  it('authorises RunTask on the revision it ran, in its cluster, and tagging each task it started', () => {
    // Act
    const targets = callTargets(
      call({
        client: 'ECSClient',
        operation: 'RunTask',
        input: {
          cluster: 'burst',
          taskDefinition: 'app',
          tags: [{ key: 'spillway:workload', value: 'app' }],
        },
        output: {
          tasks: [
            {
              taskArn: 'arn:aws:ecs:us-west-2:123456789012:task/burst/abc',
              taskDefinitionArn: 'arn:aws:ecs:us-west-2:123456789012:task-definition/app:3',
            },
          ],
        },
      }),
    );

    // Assess
    expect(targets).toEqual({
      modelled: true,
      requests: [
        {
          action: 'ecs:RunTask',
          resource: 'arn:aws:ecs:us-west-2:123456789012:task-definition/app:3',
          context: { 'ecs:cluster': 'arn:aws:ecs:us-west-2:123456789012:cluster/burst' },
        },
        {
          action: 'ecs:TagResource',
          resource: 'arn:aws:ecs:us-west-2:123456789012:task/burst/abc',
          context: { 'ecs:CreateAction': 'RunTask' },
        },
      ],
    });
  });

  it('names an operation it does not model instead of guessing', () => {
    // Act
    const targets = callTargets(call({ client: 'ECSClient', operation: 'DeleteCluster' }));

    // Assess
    expect(targets).toEqual({ modelled: false, reason: 'no model of ecs DeleteCluster' });
  });
});
