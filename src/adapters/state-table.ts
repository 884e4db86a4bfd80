import { type DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import { wrap } from './errors';
import { type Attributes, fromAttributes, type Item, toAttributes } from './item-codec';

/**
 * Every item under partition key `pk`, read consistently, page by page, each through `read`. A
 * failed call, or an item `read` throws on, fails as a wrapped Query error.
 */
export async function queryPartition<T>(
  client: DynamoDBClient,
  tableName: string,
  pk: string,
  read: (item: Item) => T,
): Promise<T[]> {
  const results: T[] = [];
  let ExclusiveStartKey: Attributes | undefined;
  try {
    do {
      const page = await client.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: toAttributes({ ':pk': pk }),
          ConsistentRead: true,
          ...(ExclusiveStartKey ? { ExclusiveStartKey } : {}),
        }),
      );
      for (const item of page.Items ?? []) results.push(read(fromAttributes(item)));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
  } catch (error) {
    throw wrap('dynamodb', 'Query', error);
  }
  return results;
}
