import type { BatchGetItemCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { batchGetAll } from '../../../src/adapters/batch-get';
import { AdapterError } from '../../../src/adapters/errors';
import type { Attributes } from '../../../src/adapters/item-codec';

const key = (n: number): Attributes => ({ pk: { S: `K#${n}` } });

/**
 * A table that holds every key asked for, and, as DynamoDB may under load, leaves the last
 * `unprocessed(call)` keys of a call unprocessed.
 */
function table(unprocessed: (call: number) => number) {
  const calls: string[][] = [];
  const client = {
    send: async (command: BatchGetItemCommand) => {
      const keys = command.input.RequestItems?.t?.Keys ?? [];
      const left = Math.min(keys.length, unprocessed(calls.length));
      calls.push(keys.map((k) => String(k.pk?.S)));
      return {
        Responses: { t: keys.slice(0, keys.length - left).map((k) => ({ ...k, found: { BOOL: true } })) },
        UnprocessedKeys: left > 0 ? { t: { Keys: keys.slice(keys.length - left) } } : {},
      };
    },
  } as unknown as DynamoDBClient;
  return { client, calls };
}

describe('batchGetAll', () => {
  it('asks at most 100 keys a call, and asks again for what DynamoDB left unprocessed, pausing more each round', async () => {
    // Prepare
    const { client, calls } = table((call) => (call === 0 ? 30 : call === 2 ? 5 : 0));
    const waits: number[] = [];
    const keys = Array.from({ length: 150 }, (_, n) => key(n));

    // Act
    const items = await batchGetAll(client, 't', keys, {
      consistent: true,
      wait: async (ms) => {
        waits.push(ms);
      },
    });

    // Assess
    expect(items.map((item) => item.pk?.S).sort()).toEqual(keys.map((k) => k.pk?.S).sort());
    expect(calls.map((c) => c.length)).toEqual([100, 30, 50, 5]);
    expect(waits).toEqual([50, 50]);
  });

  it('fails, rather than reading keys as absent, when DynamoDB keeps leaving them unprocessed', async () => {
    // Prepare
    const { client, calls } = table(() => 1);
    const waits: number[] = [];

    // Act
    const read = batchGetAll(client, 't', [key(1), key(2)], {
      consistent: false,
      wait: async (ms) => {
        waits.push(ms);
      },
    });

    // Assess
    await expect(read).rejects.toThrow(AdapterError);
    await expect(read).rejects.toThrow('dynamodb BatchGetItem failed: Error: 1 key(s) left unprocessed');
    expect(calls).toHaveLength(5);
    expect(waits).toEqual([50, 100, 200, 400]);
  });
});
