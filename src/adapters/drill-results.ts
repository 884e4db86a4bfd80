import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { DrillResult } from '../core/drill';
import { wrap } from './errors';
import { stateTableDocuments } from './state-table';

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
  private readonly documents: DynamoDBDocumentClient;

  constructor(
    private readonly tableName: string,
    client: DynamoDBClient,
  ) {
    this.documents = stateTableDocuments(client);
  }

  /**
   * Keeps `result` as its region's last, unless a newer drill's result is there already: a late
   * retry of an older drill must not hide the newer one. True when written.
   */
  async record(result: DrillResult): Promise<boolean> {
    try {
      await this.documents.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...resultKey(result.workload, result.region), requestedAt: result.requestedAt, result },
          ConditionExpression: 'attribute_not_exists(pk) OR requestedAt <= :requestedAt',
          ExpressionAttributeValues: { ':requestedAt': result.requestedAt },
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
      const { Items = [] } = await this.documents.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': `WORKLOAD#${workload}`, ':prefix': PREFIX },
          ConsistentRead: true,
        }),
      );
      return Items.map((item) => item.result as DrillResult);
    } catch (error) {
      throw wrap('dynamodb', 'Query', error);
    }
  }
}
