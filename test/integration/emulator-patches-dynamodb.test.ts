import {
  type AttributeValue,
  CreateTableCommand,
  DescribeTableCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stateTableInput } from '../../src/local/state-table';
import { type PatchedMoto, patchedMoto, settleAll } from './emulator-patches';

/** What the DynamoDB patches (src/local/moto-patches/spillway_moto/) must keep doing. */
describe('the emulator patches: DynamoDB', () => {
  let m: PatchedMoto;
  beforeAll(async () => {
    m = await patchedMoto();
    await m.dynamo.send(new CreateTableCommand(stateTableInput('ranged')));
    await m.dynamo.send(
      new CreateTableCommand({
        TableName: 'hashed',
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      }),
    );
  });
  afterAll(async () => {
    await m?.moto.stop();
  });

  const key = (pk: string, sk: string) => ({ pk: { S: pk }, sk: { S: sk } });
  const put = (pk: string, sk: string, v: string) =>
    m.dynamo.send(new PutItemCommand({ TableName: 'ranged', Item: { ...key(pk, sk), v: { S: v } } }));
  const value = async (pk: string, sk: string) =>
    (await m.dynamo.send(new GetItemCommand({ TableName: 'ranged', Key: key(pk, sk) }))).Item?.v?.S;
  const hashedValue = async (id: string) =>
    (await m.dynamo.send(new GetItemCommand({ TableName: 'hashed', Key: { id: { S: id } } }))).Item?.v?.S;

  it('a cancelled transaction puts back what it wrote, and only that: other writes meanwhile stay', async () => {
    // Prepare
    await put('tx', 'a', 'a1');
    await put('tx', 'b', 'b1');
    await m.dynamo.send(
      new PutItemCommand({ TableName: 'hashed', Item: { id: { S: 'h' }, v: { S: 'h1' } } }),
    );
    const cancelled = () =>
      m.dynamo.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            {
              Update: {
                TableName: 'ranged',
                Key: key('tx', 'a'),
                UpdateExpression: 'SET v = :v',
                ExpressionAttributeValues: { ':v': { S: 'a2' } },
              },
            },
            { Put: { TableName: 'ranged', Item: { ...key('tx-new', 'c'), v: { S: 'c1' } } } },
            { Delete: { TableName: 'ranged', Key: key('tx', 'b') } },
            { Put: { TableName: 'hashed', Item: { id: { S: 'h' }, v: { S: 'h2' } } } },
            {
              ConditionCheck: {
                TableName: 'ranged',
                Key: key('tx', 'missing'),
                ConditionExpression: 'attribute_exists(pk)',
              },
            },
          ],
        }),
      );

    // Act: cancelled transactions while other calls write the same partition.
    const others = Array.from({ length: 60 }, (_, i) => put('tx', `other-${i}`, 'x'));
    const transactions = await settleAll(Array.from({ length: 15 }, cancelled));
    await Promise.all(others);

    // Assess
    expect(transactions.errors).toEqual(Array(15).fill('TransactionCanceledException'));
    expect([await value('tx', 'a'), await value('tx', 'b'), await value('tx-new', 'c')]).toEqual([
      'a1',
      'b1',
      undefined,
    ]);
    expect(await hashedValue('h')).toBe('h1');
    const partition = await m.dynamo.send(
      new QueryCommand({
        TableName: 'ranged',
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :o)',
        ExpressionAttributeValues: { ':pk': { S: 'tx' }, ':o': { S: 'other-' } },
      }),
    );
    expect(partition.Count).toBe(60);
  });

  it('a transaction naming one item twice is refused and leaves nothing written; one that passes writes all', async () => {
    // Act
    const refused = await settleAll([
      m.dynamo.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            { Put: { TableName: 'ranged', Item: { ...key('twice', 'x'), v: { S: '1' } } } },
            { Put: { TableName: 'ranged', Item: { ...key('twice', 'x'), v: { S: '2' } } } },
          ],
        }),
      ),
    ]);
    await m.dynamo.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          { Put: { TableName: 'ranged', Item: { ...key('passes', 'x'), v: { S: '1' } } } },
          { Put: { TableName: 'hashed', Item: { id: { S: 'passes' }, v: { S: '1' } } } },
        ],
      }),
    );

    // Assess
    expect(refused.errors).toEqual(['ValidationException']);
    expect(await value('twice', 'x')).toBeUndefined();
    expect([await value('passes', 'x'), await hashedValue('passes')]).toEqual(['1', '1']);
  });

  it('a query answers its own partition only, sorted, in pages', async () => {
    // Prepare: items of several partitions, written out of order.
    const sks = ['m', 'c', 'x', 'a', 'q', 'f', 'b'];
    for (const pk of ['q1', 'q2', 'q3']) for (const sk of sks) await put(pk, sk, `${pk}${sk}`);
    const query = (extra: { forward?: boolean; limit?: number; start?: Record<string, AttributeValue> }) =>
      m.dynamo.send(
        new QueryCommand({
          TableName: 'ranged',
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': { S: 'q2' } },
          ScanIndexForward: extra.forward ?? true,
          ...(extra.limit ? { Limit: extra.limit } : {}),
          ...(extra.start ? { ExclusiveStartKey: extra.start } : {}),
        }),
      );

    // Act
    const forward = await query({});
    const backward = await query({ forward: false });
    const pages: string[] = [];
    let start: Record<string, AttributeValue> | undefined;
    do {
      const page = await query({ limit: 3, ...(start ? { start } : {}) });
      pages.push(...(page.Items ?? []).map((i) => i.v?.S as string));
      start = page.LastEvaluatedKey;
    } while (start);
    const none = await m.dynamo.send(
      new QueryCommand({
        TableName: 'ranged',
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: 'nobody' } },
      }),
    );

    // Assess
    const sorted = [...sks].sort().map((sk) => `q2${sk}`);
    expect(forward.Items?.map((i) => i.v?.S)).toEqual(sorted);
    expect(backward.Items?.map((i) => i.v?.S)).toEqual([...sorted].reverse());
    expect(pages).toEqual(sorted);
    expect(none.Items).toEqual([]);
  });

  it('of concurrent conditional puts of one new item, exactly one wins', async () => {
    for (const round of [1, 2, 3, 4, 5]) {
      // Act
      const puts = await settleAll(
        Array.from({ length: 20 }, (_, i) =>
          m.dynamo
            .send(
              new PutItemCommand({
                TableName: 'ranged',
                Item: { ...key('race', `r${round}`), v: { S: `writer-${i}` } },
                ConditionExpression: 'attribute_not_exists(pk)',
              }),
            )
            .then(() => `writer-${i}`),
        ),
      );

      // Assess
      expect(puts.values).toHaveLength(1);
      expect(puts.errors).toEqual(Array(19).fill('ConditionalCheckFailedException'));
      expect(await value('race', `r${round}`)).toBe(puts.values[0]);
    }
  });

  it('gets that miss do not break scans and table descriptions running meanwhile', async () => {
    // Act: each miss on a table with a range key adds a partition in moto.
    const calls = await settleAll([
      ...Array.from({ length: 300 }, (_, i) =>
        m.dynamo.send(new GetItemCommand({ TableName: 'ranged', Key: key(`miss-${i}`, 's') })),
      ),
      ...Array.from({ length: 30 }, () => m.dynamo.send(new ScanCommand({ TableName: 'ranged' }))),
      ...Array.from({ length: 30 }, () => m.dynamo.send(new DescribeTableCommand({ TableName: 'ranged' }))),
    ]);

    // Assess
    expect(calls.errors).toEqual([]);
  });

  it('keeps no item in the dashboard: moto tracks no DynamoDB object', async () => {
    // Act
    const data = (await (await fetch(`${m.moto.endpoint}/moto-api/data.json`)).json()) as Record<
      string,
      Record<string, unknown[]>
    >;

    // Assess
    expect(data.dynamodb?.Item ?? []).toEqual([]);
    expect(data.dynamodb?.Table ?? []).toEqual([]);
  });
});
