import { CreateTableCommand, GetItemCommand } from '@aws-sdk/client-dynamodb';
import {
  CreateClusterCommand,
  DescribeTasksCommand,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
  type Task,
} from '@aws-sdk/client-ecs';
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PatchedMoto, patchedMoto, settleAll } from './emulator-patches';
import { eventually } from './harness';

/** What the SQS, ECS and Step Functions patches (src/local/moto-patches/spillway_moto/) must keep doing. */
describe('the emulator patches: SQS, ECS, Step Functions', () => {
  let m: PatchedMoto;
  beforeAll(async () => {
    m = await patchedMoto();
  });
  afterAll(async () => {
    await m?.moto.stop();
  });

  const queue = async (name: string, attributes: Record<string, string> = {}) =>
    (await m.sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes })))
      .QueueUrl as string;
  const counts = async (url: string) => {
    const { Attributes = {} } = await m.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }),
    );
    return [
      Attributes.ApproximateNumberOfMessages,
      Attributes.ApproximateNumberOfMessagesNotVisible,
      Attributes.ApproximateNumberOfMessagesDelayed,
    ].map(Number);
  };
  const receive = async (url: string, max: number, visibility: number, wait = 0) =>
    (
      await m.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: url,
          MaxNumberOfMessages: max,
          VisibilityTimeout: visibility,
          WaitTimeSeconds: wait,
          MessageSystemAttributeNames: ['ApproximateReceiveCount'],
        }),
      )
    ).Messages ?? [];

  it('counts ready, in-flight and delayed messages; deletes by any receipt a message had', async () => {
    // Prepare
    const url = await queue('counts');
    for (const i of [1, 2, 3, 4, 5])
      await m.sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: `m${i}` }));
    for (const i of [6, 7])
      await m.sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: `m${i}`, DelaySeconds: 60 }));

    // Act
    const received: Message[] = [];
    while (received.length < 3) received.push(...(await receive(url, 3 - received.length, 60)));
    const afterReceive = await counts(url);
    const [first, second] = received as [Message, Message];
    await m.sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: first.ReceiptHandle }));
    await m.sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: first.ReceiptHandle }));
    const bogus = await settleAll([
      m.sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: 'not-a-receipt' })),
    ]);
    await m.sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: url,
        ReceiptHandle: second.ReceiptHandle,
        VisibilityTimeout: 0,
      }),
    );
    const afterChanges = await counts(url);

    // Assess: [ready, not visible, delayed]
    expect(afterReceive).toEqual([2, 3, 2]);
    expect(bogus.errors).toEqual(['ReceiptHandleIsInvalid']);
    expect(afterChanges).toEqual([3, 1, 2]);
  });

  it('a long poll waits without holding up sends, and a message past its receives goes to the dead-letter queue', async () => {
    // Prepare
    const dlq = await queue('patched-dlq');
    const { Attributes } = await m.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: dlq, AttributeNames: ['QueueArn'] }),
    );
    const url = await queue('polled', {
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: Attributes?.QueueArn, maxReceiveCount: 1 }),
    });

    // Act
    const polling = receive(url, 1, 0, 5);
    const sentAt = Date.now();
    await new Promise((r) => setTimeout(r, 500));
    await m.sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'late' }));
    const sendTook = Date.now() - sentAt;
    const polled = await polling;
    const again = await receive(url, 1, 0);

    // Assess
    expect(polled.map((p) => p.Body)).toEqual(['late']);
    expect(sendTook).toBeLessThan(2_000);
    expect(again).toEqual([]);
    expect(await counts(dlq)).toEqual([1, 0, 0]);
    expect(await counts(url)).toEqual([0, 0, 0]);
  });

  it('runs tasks while other calls describe and list them, without a failure', async () => {
    // Prepare
    await m.ecs.send(new CreateClusterCommand({ clusterName: 'patched' }));
    await m.ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'patched',
        containerDefinitions: [{ name: 'app', image: 'nginx', memory: 512 }],
      }),
    );
    const first = await m.ecs.send(
      new RunTaskCommand({ cluster: 'patched', taskDefinition: 'patched', launchType: 'FARGATE' }),
    );
    const firstArn = first.tasks?.[0]?.taskArn as string;

    // Act
    const calls = await settleAll([
      ...Array.from({ length: 40 }, () =>
        m.ecs.send(
          new RunTaskCommand({ cluster: 'patched', taskDefinition: 'patched', launchType: 'FARGATE' }),
        ),
      ),
      ...Array.from({ length: 40 }, () =>
        m.ecs.send(new DescribeTasksCommand({ cluster: 'patched', tasks: [firstArn] })),
      ),
      ...Array.from({ length: 40 }, () => m.ecs.send(new ListTasksCommand({ cluster: 'patched' }))),
    ]);
    const listed = await m.ecs.send(new ListTasksCommand({ cluster: 'patched' }));

    // Assess
    expect(calls.errors).toEqual([]);
    expect(listed.taskArns).toHaveLength(41);
  });

  it('answers tags to each DescribeTasks that asks for them, and only to those, whatever runs beside it', async () => {
    // Prepare
    const tags = [
      { key: 'spillway:workload', value: 'w' },
      { key: 'spillway:batch', value: 'b' },
    ];
    await m.ecs.send(new CreateClusterCommand({ clusterName: 'tagged' }));
    await m.ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'tagged',
        containerDefinitions: [{ name: 'app', image: 'nginx', memory: 512 }],
      }),
    );
    // Answers of 30 tasks take long enough to serialise that moto's threads switch midway.
    const arns: string[] = [];
    for (const _ of [1, 2, 3]) {
      const run = await m.ecs.send(
        new RunTaskCommand({
          cluster: 'tagged',
          taskDefinition: 'tagged',
          launchType: 'FARGATE',
          count: 10,
          tags,
        }),
      );
      arns.push(...(run.tasks ?? []).map((t) => t.taskArn as string));
    }
    const describe = async (withTags: boolean) => {
      const { tasks = [] } = await m.ecs.send(
        new DescribeTasksCommand({
          cluster: 'tagged',
          tasks: arns,
          ...(withTags ? { include: ['TAGS'] } : {}),
        }),
      );
      const got = (t: Task) =>
        t.tags === undefined
          ? 'no tags'
          : JSON.stringify(t.tags) === JSON.stringify(tags)
            ? 'its tags'
            : 'other tags';
      return tasks.map((t) => `${withTags ? 'asked' : 'not asked'}: ${got(t)}`);
    };

    // Act: the drain workflow's polls without tags beside the runtime's look-ups with them.
    const calls = await settleAll(Array.from({ length: 100 }, (_, i) => describe(i % 2 === 0)));

    // Assess: tasks answered, per what their call asked and what it got. moto, as AWS, answers no
    // tags to a call that does not ask for them.
    expect(calls.errors).toEqual([]);
    const answers: Record<string, number> = {};
    for (const answer of calls.values.flat()) answers[answer] = (answers[answer] ?? 0) + 1;
    expect(answers).toEqual({ 'asked: its tags': 1500, 'not asked: no tags': 1500 });
  });

  it('runs executions of one definition, each with its own input, through the shared clients', async () => {
    // Prepare
    await m.dynamo.send(
      new CreateTableCommand({
        TableName: 'executions',
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      }),
    );
    const definition = {
      StartAt: 'Record',
      States: {
        Record: {
          Type: 'Task',
          Resource: 'arn:aws:states:::dynamodb:putItem',
          Parameters: { TableName: 'executions', Item: { id: { 'S.$': '$.id' }, note: { 'S.$': '$.note' } } },
          ResultPath: null,
          Next: 'Done',
        },
        Done: { Type: 'Pass', Parameters: { 'note.$': '$.note' }, End: true },
      },
    };
    const { stateMachineArn } = await m.sfn.send(
      new CreateStateMachineCommand({
        name: 'patched',
        definition: JSON.stringify(definition),
        roleArn: 'arn:aws:iam::123456789012:role/patched',
      }),
    );

    // Act
    const runs = await Promise.all(
      ['one', 'two', 'three'].map((id) =>
        m.sfn.send(
          new StartExecutionCommand({
            stateMachineArn,
            name: `run-${id}`,
            input: JSON.stringify({ id, note: `n-${id}` }),
          }),
        ),
      ),
    );
    const ended = await Promise.all(
      runs.map((run) =>
        eventually(async () => {
          const execution = await m.sfn.send(
            new DescribeExecutionCommand({ executionArn: run.executionArn }),
          );
          return execution.status === 'RUNNING' ? undefined : execution;
        }, 'the execution to end'),
      ),
    );

    // Assess
    expect(ended.map((e) => [e.status, JSON.parse(e.output ?? 'null')])).toEqual([
      ['SUCCEEDED', { note: 'n-one' }],
      ['SUCCEEDED', { note: 'n-two' }],
      ['SUCCEEDED', { note: 'n-three' }],
    ]);
    for (const id of ['one', 'two', 'three']) {
      const { Item } = await m.dynamo.send(
        new GetItemCommand({ TableName: 'executions', Key: { id: { S: id } } }),
      );
      expect(Item?.note?.S).toBe(`n-${id}`);
    }
  });

  it('keeps no message in the dashboard: moto tracks no SQS object', async () => {
    const data = (await (await fetch(`${m.moto.endpoint}/moto-api/data.json`)).json()) as Record<
      string,
      Record<string, unknown[]>
    >;
    expect(data.sqs?.Message ?? []).toEqual([]);
  });
});
