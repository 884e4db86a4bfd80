import { type DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { SiteRecord } from '../core/site-health';
import { wrap } from './errors';
import { fromAttributes, type Item, toAttributes } from './item-codec';
import { queryPartition } from './state-table';

/** Every watched site's item lives under one partition key of the state table, one item a site. */
const SITE_PK = 'SITE';
const siteKey = (site: string) => ({ pk: SITE_PK, sk: site });

/**
 * The watched sites' records in the state table: heartbeats and state moves alike are written
 * conditionally on the version read, so a late heartbeat or a second reconciler never undoes a move.
 */
export class SiteStore {
  constructor(
    private readonly tableName: string,
    private readonly client: DynamoDBClient,
  ) {}

  /** The site's record, or undefined before its first heartbeat or check. */
  async load(site: string): Promise<SiteRecord | undefined> {
    try {
      const { Item } = await this.client.send(
        new GetItemCommand({
          TableName: this.tableName,
          Key: toAttributes(siteKey(site)),
          ConsistentRead: true,
        }),
      );
      return Item ? recordOf(fromAttributes(Item)) : undefined;
    } catch (error) {
      throw wrap('dynamodb', 'GetItem', error);
    }
  }

  /** Every site's record, in one Query (there are a handful). */
  loadAll(): Promise<SiteRecord[]> {
    return queryPartition(this.client, this.tableName, SITE_PK, recordOf);
  }

  /** Writes `next` as version `expectedVersion + 1`; false when the item changed since it was read. */
  async save(next: SiteRecord, expectedVersion: number): Promise<boolean> {
    const { version: _ignored, ...record } = next;
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: toAttributes({ ...siteKey(next.site), version: expectedVersion + 1, record }),
          ConditionExpression: expectedVersion === 0 ? 'attribute_not_exists(pk)' : 'version = :expected',
          ...(expectedVersion === 0
            ? {}
            : { ExpressionAttributeValues: toAttributes({ ':expected': expectedVersion }) }),
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof Error && error.name === 'ConditionalCheckFailedException') return false;
      throw wrap('dynamodb', 'PutItem', error);
    }
  }
}

const recordOf = (item: Item): SiteRecord => ({
  ...(item.record as Omit<SiteRecord, 'version'>),
  site: String(item.sk),
  version: Number(item.version),
});
