import { type DynamoDBClient, PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import type { DrillResult } from '../core/drill';
import { wrap } from './errors';
import { fromAttributes, toAttributes } from './item-codec';

const PREFIX = 'DRILL#';
const resultKey = (workload: string, region: string) => ({
  pk: `WORKLOAD#${workload}`,
  sk: `${PREFIX}${region}`,
});

/**
 * The last drill result per workload and burst region, in the state table beside the workload's
 * state item (an item of its own: a result outlives the drill, which leaves the state when done).
 */
export class DrillResults {
  constructor(
    private readonly tableName: string,
    private readonly client: DynamoDBClient,
  ) {}

  /**
   * Keeps `result` as its region's last, unless a newer drill's result is there already: a late
   * retry of an older drill must not hide the newer one. True when written.
   */
  async record(result: DrillResult): Promise<boolean> {
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: toAttributes({
            ...resultKey(result.workload, result.region),
            requestedAt: result.requestedAt,
            result,
          }),
          ConditionExpression: 'attribute_not_exists(pk) OR requestedAt <= :requestedAt',
          ExpressionAttributeValues: toAttributes({ ':requestedAt': result.requestedAt }),
        }),
      );
      return true;
    } catch (error) {
      if ((error as Error).name === 'ConditionalCheckFailedException') return false;
      throw wrap('dynamodb', 'PutItem', error);
    }
  }

  /** The workload's last result per burst region (regions never drilled have none). */
  async load(workload: string): Promise<DrillResult[]> {
    try {
      const { Items = [] } = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: toAttributes({ ':pk': `WORKLOAD#${workload}`, ':prefix': PREFIX }),
          ConsistentRead: true,
        }),
      );
      return Items.map((item) => fromAttributes(item).result as DrillResult);
    } catch (error) {
      throw wrap('dynamodb', 'Query', error);
    }
  }
}
