import { BatchGetItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { wrap } from './errors';
import type { Attributes } from './item-codec';

/** BatchGetItem's per-call maximum. */
const BATCH_GET_MAX_KEYS = 100;
/** Rounds of BatchGetItem for the keys DynamoDB left unprocessed, before the read fails. */
const BATCH_GET_ROUNDS = 5;

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Every item of `keys` that exists, in BatchGetItem calls of up to 100 keys. DynamoDB may leave
 * keys unprocessed (throttling, a response over 16 MB): those are asked for again, after a pause
 * that doubles each round, as AWS advises; keys still unprocessed after five rounds fail the
 * read, since a key left out would read as an item that does not exist.
 */
export async function batchGetAll(
  client: DynamoDBClient,
  tableName: string,
  keys: readonly Attributes[],
  options: { readonly consistent: boolean; readonly wait?: (ms: number) => Promise<void> },
): Promise<Attributes[]> {
  const wait = options.wait ?? pause;
  const items: Attributes[] = [];
  for (let i = 0; i < keys.length; i += BATCH_GET_MAX_KEYS) {
    let pending = keys.slice(i, i + BATCH_GET_MAX_KEYS);
    for (let round = 0; pending.length > 0; round++) {
      if (round === BATCH_GET_ROUNDS) {
        throw wrap('dynamodb', 'BatchGetItem', new Error(`${pending.length} key(s) left unprocessed`));
      }
      if (round > 0) await wait(50 * 2 ** (round - 1));
      try {
        const response = await client.send(
          new BatchGetItemCommand({
            RequestItems: { [tableName]: { Keys: pending, ConsistentRead: options.consistent } },
          }),
        );
        items.push(...(response.Responses?.[tableName] ?? []));
        pending = response.UnprocessedKeys?.[tableName]?.Keys ?? [];
      } catch (error) {
        throw wrap('dynamodb', 'BatchGetItem', error);
      }
    }
  }
  return items;
}
