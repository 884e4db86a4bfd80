/**
 * The emulator-bound ceiling `make load` divides its throughput by (issue 11): the minimal call
 * sequence a decision needs — receive a batch, read the workload's state, one conditional write,
 * RunTask, delete the batch — as fast as the emulator serves it, with the local runtime's own
 * concurrency (batches at once, workloads of a batch at once). It runs against the same moto as
 * the load, on its own queue, table and cluster, with copies of the load's state items, so each
 * call costs what the load's calls cost on data of the same size.
 */
import {
  type AttributeValue,
  BatchGetItemCommand,
  type BatchGetItemCommandOutput,
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { CreateClusterCommand, DeleteClusterCommand, ECSClient, RunTaskCommand } from '@aws-sdk/client-ecs';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteQueueCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { clientConfig } from '../src/adapters/client-config';
import type { BurstRegionConfig } from '../src/config/schema';
import { forEachConcurrently } from '../src/usecases/concurrently';

export interface CeilingOptions {
  readonly endpoint: string;
  readonly controlRegion: string;
  readonly burstRegion: string;
  /** The load's burst region of its workloads: task definition family and network, as RunTask gets them. */
  readonly burst: BurstRegionConfig;
  /** The state table whose workload items are copied, so reads and writes move items of the same size. */
  readonly stateTable: string;
  readonly workloads: readonly string[];
  /** The bodies of messages the load's ingest sent, sent again here: the same sizes, the same workloads. */
  readonly bodies: readonly string[];
  readonly batchesAtOnce: number;
  readonly workloadsPerBatchAtOnce: number;
}

export interface Ceiling {
  readonly signalsPerSecond: number;
  readonly seconds: number;
  readonly messages: number;
  /** Conditional writes that lost to another lane on the same workload and were read and written again. */
  readonly conflicts: number;
}

const stateKey = (workload: string): Record<string, AttributeValue> => ({
  pk: { S: `WORKLOAD#${workload}` },
  sk: { S: 'STATE' },
});

export async function measureCeiling(options: CeilingOptions): Promise<Ceiling> {
  const suffix = Date.now().toString(36);
  const sqs = new SQSClient(clientConfig(options.controlRegion, options.endpoint));
  const dynamodb = new DynamoDBClient(clientConfig(options.controlRegion, options.endpoint));
  const ecs = new ECSClient(clientConfig(options.burstRegion, options.endpoint));

  const { QueueUrl: queueUrl } = await sqs.send(
    new CreateQueueCommand({
      QueueName: `spillway-ceiling-${suffix}`,
      Attributes: { VisibilityTimeout: '30' },
    }),
  );
  const table = `spillway-ceiling-${suffix}`;
  const described = (await dynamodb.send(new DescribeTableCommand({ TableName: options.stateTable }))).Table;
  const keyNames = new Set((described?.KeySchema ?? []).map((k) => k.AttributeName));
  await dynamodb.send(
    new CreateTableCommand({
      TableName: table,
      KeySchema: described?.KeySchema,
      AttributeDefinitions: described?.AttributeDefinitions?.filter((d) => keyNames.has(d.AttributeName)),
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  const cluster = `spillway-ceiling-${suffix}`;
  await ecs.send(
    new CreateClusterCommand({
      clusterName: cluster,
      capacityProviders: ['FARGATE', 'FARGATE_SPOT'],
      defaultCapacityProviderStrategy: [{ capacityProvider: 'FARGATE', weight: 1 }],
    }),
  );
  try {
    // The load's own state items, as the load left them: what its GetItem and writes moved.
    const items = new Map<string, Record<string, AttributeValue>>();
    for (let i = 0; i < options.workloads.length; i += 100) {
      let keys = options.workloads.slice(i, i + 100).map(stateKey);
      while (keys.length > 0) {
        const page: BatchGetItemCommandOutput = await dynamodb.send(
          new BatchGetItemCommand({ RequestItems: { [options.stateTable]: { Keys: keys } } }),
        );
        for (const item of page.Responses?.[options.stateTable] ?? [])
          items.set(String(item.pk?.S).slice('WORKLOAD#'.length), item);
        keys = (page.UnprocessedKeys?.[options.stateTable]?.Keys ?? []) as typeof keys;
      }
    }
    for (const workload of options.workloads) {
      const item = items.get(workload) ?? { ...stateKey(workload), version: { N: '1' } };
      await dynamodb.send(new PutItemCommand({ TableName: table, Item: item }));
    }
    const entries = options.bodies.map((body, i) => ({ Id: String(i % 10), MessageBody: body }));
    const sendBatches: (typeof entries)[] = [];
    for (let i = 0; i < entries.length; i += 10) sendBatches.push(entries.slice(i, i + 10));
    await forEachConcurrently(sendBatches, 8, async (batch) => {
      await sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: batch }));
    });

    let conflicts = 0;
    let handled = 0;
    let launches = 0;
    const decide = async (workload: string) => {
      for (;;) {
        const { Item: item } = await dynamodb.send(
          new GetItemCommand({ TableName: table, Key: stateKey(workload), ConsistentRead: true }),
        );
        const version = Number(item?.version?.N ?? 0);
        try {
          await dynamodb.send(
            new PutItemCommand({
              TableName: table,
              Item: { ...(item ?? stateKey(workload)), version: { N: String(version + 1) } },
              ConditionExpression: version === 0 ? 'attribute_not_exists(pk)' : 'version = :expected',
              ...(version === 0
                ? {}
                : { ExpressionAttributeValues: { ':expected': { N: String(version) } } }),
            }),
          );
          break;
        } catch (error) {
          if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
          conflicts++;
        }
      }
      await ecs.send(
        new RunTaskCommand({
          cluster,
          taskDefinition: options.burst.taskDefinition.family,
          launchType: 'FARGATE',
          count: 1,
          clientToken: `ceiling-${suffix}-${launches++}`,
          startedBy: 'spillway',
          enableECSManagedTags: true,
          tags: [{ key: 'spillway:workload', value: workload }],
          networkConfiguration: {
            awsvpcConfiguration: {
              subnets: [...options.burst.network.subnets],
              securityGroups: [...options.burst.network.securityGroups],
              assignPublicIp: 'DISABLED',
            },
          },
        }),
      );
    };
    const started = Date.now();
    let finished: number | undefined;
    await Promise.all(
      Array.from({ length: options.batchesAtOnce }, async () => {
        while (handled < entries.length) {
          const { Messages: messages = [] } = await sqs.send(
            new ReceiveMessageCommand({
              QueueUrl: queueUrl,
              MaxNumberOfMessages: 10,
              WaitTimeSeconds: 1,
              MessageSystemAttributeNames: ['All'],
            }),
          );
          if (messages.length === 0) continue;
          // As the decide function coalesces a batch: one decision per workload it names.
          const byWorkload = new Map<string, Message[]>();
          for (const message of messages) {
            const workload = (JSON.parse(message.Body ?? '{}') as { workload?: string }).workload ?? '?';
            byWorkload.set(workload, [...(byWorkload.get(workload) ?? []), message]);
          }
          await forEachConcurrently([...byWorkload.keys()], options.workloadsPerBatchAtOnce, decide);
          await sqs.send(
            new DeleteMessageBatchCommand({
              QueueUrl: queueUrl,
              Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle as string })),
            }),
          );
          handled += messages.length;
          // Lanes still long-polling an empty queue are not the ceiling's time.
          if (handled >= entries.length) finished ??= Date.now();
        }
      }),
    );
    const seconds = ((finished ?? Date.now()) - started) / 1000;
    return { signalsPerSecond: handled / seconds, seconds, messages: handled, conflicts };
  } finally {
    await sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl })).catch(() => {});
    await dynamodb.send(new DeleteTableCommand({ TableName: table })).catch(() => {});
    await ecs.send(new DeleteClusterCommand({ cluster })).catch(() => {});
  }
}
