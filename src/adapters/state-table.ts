import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { wrap } from './errors';

/** The document client every adapter of the state table reads and writes its items with. */
export function stateTableDocuments(client: DynamoDBClient): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
}

/**
 * Every item under partition key `pk`, read consistently, page by page, each through `read`. A
 * failed call, or an item `read` throws on, fails as a wrapped Query error.
 */
export async function queryPartition<T>(
  documents: DynamoDBDocumentClient,
  tableName: string,
  pk: string,
  read: (item: Record<string, unknown>) => T,
): Promise<T[]> {
  const results: T[] = [];
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  try {
    do {
      const page = await documents.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': pk },
          ConsistentRead: true,
          ...(ExclusiveStartKey ? { ExclusiveStartKey } : {}),
        }),
      );
      for (const item of page.Items ?? []) results.push(read(item));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
  } catch (error) {
    throw wrap('dynamodb', 'Query', error);
  }
  return results;
}
