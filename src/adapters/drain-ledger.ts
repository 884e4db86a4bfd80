import { BatchGetItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { wrap } from './errors';

export interface LedgerEntry {
  readonly taskArn: string;
  readonly status: 'draining' | 'stopped' | 'drain_failed';
  readonly stoppedAt?: string;
  readonly failure?: string;
}

/** Reads what the drain workflows wrote in a burst region's drain ledger. */
export class DrainLedger {
  constructor(
    private readonly dynamoFor: (region: string) => DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async read(region: string, taskArns: readonly string[]): Promise<Map<string, LedgerEntry>> {
    const entries = new Map<string, LedgerEntry>();
    for (let i = 0; i < taskArns.length; i += 100) {
      let keys = taskArns.slice(i, i + 100).map((taskArn) => ({ taskArn: { S: taskArn } }));
      // BatchGetItem may return some keys unprocessed under load; ask again for those.
      for (let attempt = 0; keys.length > 0 && attempt < 5; attempt++) {
        try {
          const response = await this.dynamoFor(region).send(
            new BatchGetItemCommand({
              RequestItems: { [this.tableName]: { Keys: keys, ConsistentRead: true } },
            }),
          );
          for (const item of response.Responses?.[this.tableName] ?? []) {
            const taskArn = item.taskArn?.S;
            const status = item.status?.S;
            if (!taskArn || (status !== 'draining' && status !== 'stopped' && status !== 'drain_failed'))
              continue;
            entries.set(taskArn, {
              taskArn,
              status,
              ...(item.stoppedAt?.S ? { stoppedAt: item.stoppedAt.S } : {}),
              ...(item.failure?.S ? { failure: item.failure.S } : {}),
            });
          }
          keys = (response.UnprocessedKeys?.[this.tableName]?.Keys ?? []) as typeof keys;
        } catch (error) {
          throw wrap('dynamodb', 'BatchGetItem', error);
        }
      }
    }
    return entries;
  }
}
