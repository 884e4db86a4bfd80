import {
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import type { Decision } from '../core/decision';
import type { RegionHealth, RegionHealthMap } from '../core/region-health';
import { emptyWorkloadState, type WorkloadState } from '../core/workload-state';
import { batchGetAll } from './batch-get';
import { wrap } from './errors';
import { type Attributes, fromAttributes, type Item, toAttributes } from './item-codec';
import { decodeState, encodeState, StateItemInvalid } from './state-codec';
import { queryPartition } from './state-table';

/** The outcome of a conditional write: a lost race is an expected outcome, not a fault. */
export type CommitResult =
  | { readonly ok: true; readonly version: number }
  | { readonly ok: false; readonly reason: 'version_conflict' };

const stateKey = (workload: string) => ({ pk: `WORKLOAD#${workload}`, sk: 'STATE' });
/** Region health lives in the same table, one item per burst region under one partition key. */
const REGION_HEALTH_PK = 'REGION_HEALTH';
const regionHealthKey = (region: string) => ({ pk: REGION_HEALTH_PK, sk: region });

const decisionKey = (decision: Decision) => ({
  pk: `WORKLOAD#${decision.workload}`,
  sk: `DECISION#${decision.at}#${decision.id}`,
});

/**
 * Workload state and the decision log in one DynamoDB table. Every state write is conditional on
 * the version that was read, and the decision that caused it is written in the same transaction.
 */
export class StateStore {
  constructor(
    private readonly tableName: string,
    private readonly client: DynamoDBClient,
    private readonly decisionRetentionDays = 30,
  ) {}

  /** Throws StateItemInvalid, unwrapped, for an item this code cannot read: no retry mends it. */
  async load(workload: string): Promise<WorkloadState> {
    let item: Attributes | undefined;
    try {
      ({ Item: item } = await this.client.send(
        new GetItemCommand({
          TableName: this.tableName,
          Key: toAttributes(stateKey(workload)),
          ConsistentRead: true,
        }),
      ));
    } catch (error) {
      throw wrap('dynamodb', 'GetItem', error);
    }
    return item ? decodeState(workload, fromAttributes(item)) : emptyWorkloadState(workload);
  }

  /**
   * What one decision reads, in one BatchGetItem (consistent): the workload's state and the launch
   * breakers of its burst regions, which live in the same table. One round trip instead of two.
   */
  async loadForDecision(
    workload: string,
    regions: readonly string[],
  ): Promise<{ state: WorkloadState; regionHealth: RegionHealthMap }> {
    const keys = [stateKey(workload), ...[...new Set(regions)].map(regionHealthKey)].map((key) =>
      toAttributes(key),
    );
    let stateItem: Item | undefined;
    const regionHealth: Record<string, RegionHealth> = {};
    for (const attributes of await batchGetAll(this.client, this.tableName, keys, { consistent: true })) {
      const item = fromAttributes(attributes);
      if (item.pk === REGION_HEALTH_PK) {
        const record = item.health as RegionHealth;
        regionHealth[record.region] = record;
      } else stateItem = item;
    }
    // Decoded after the read: an unreadable item is StateItemInvalid, not a failed call to retry.
    const state = stateItem ? decodeState(workload, stateItem) : emptyWorkloadState(workload);
    return { state, regionHealth };
  }

  /**
   * The states of the named workloads, in BatchGetItem calls of up to 100 keys (one call for any
   * realistic environment); a workload never written has the empty state. A workload whose item
   * this code cannot read is left out: its own decisions fail on it with StateItemInvalid, and one
   * unreadable item must not stop the decisions of every workload that reads the others' states.
   */
  async loadStates(workloads: readonly string[]): Promise<Map<string, WorkloadState>> {
    const states = new Map(workloads.map((name) => [name, emptyWorkloadState(name)]));
    const keys = workloads.map((name) => toAttributes(stateKey(name)));
    const items = (await batchGetAll(this.client, this.tableName, keys, { consistent: true })).map((item) =>
      fromAttributes(item),
    );
    for (const item of items) {
      const name = String(item.pk).slice('WORKLOAD#'.length);
      try {
        states.set(name, decodeState(name, item));
      } catch (error) {
        if (!(error instanceof StateItemInvalid)) throw error;
        states.delete(name);
      }
    }
    return states;
  }

  /** The launch circuit breakers of every burst region that has one, in one Query. */
  async loadRegionHealth(): Promise<RegionHealthMap> {
    const entries = await queryPartition(this.client, this.tableName, REGION_HEALTH_PK, (item) => {
      const record = item.health as RegionHealth;
      return [record.region, record] as const;
    });
    return Object.fromEntries(entries);
  }

  /**
   * Writes one region's breaker, conditionally on the record read: `expectedUpdatedAt` is the
   * `updatedAt` of the record the change was computed from, absent when there was none. A
   * breaker is a counter that concurrent invocations bump; with a plain put two failures at once
   * would count as one, so the caller re-reads and re-applies on a conflict (read-modify-write),
   * which keeps the breaker's rules in the pure core instead of in an update expression.
   * False when the record changed since it was read.
   */
  async saveRegionHealth(health: RegionHealth, expectedUpdatedAt?: string): Promise<boolean> {
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: toAttributes({ ...regionHealthKey(health.region), health, updatedAt: health.updatedAt }),
          ConditionExpression:
            expectedUpdatedAt === undefined ? 'attribute_not_exists(pk)' : 'updatedAt = :expected',
          ...(expectedUpdatedAt === undefined
            ? {}
            : { ExpressionAttributeValues: toAttributes({ ':expected': expectedUpdatedAt }) }),
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw wrap('dynamodb', 'PutItem', error);
    }
  }

  /**
   * Writes `next` as version `expectedVersion + 1`, with the decision when one is given. A state
   * that could not be read back is not written: StateItemInvalid, before any call.
   */
  async commit(next: WorkloadState, expectedVersion: number, decision?: Decision): Promise<CommitResult> {
    const version = expectedVersion + 1;
    const statePut = {
      Put: {
        TableName: this.tableName,
        // Whatever schema version the item was read in, it is written in the current one.
        Item: toAttributes({
          ...stateKey(next.workload),
          ...encodeState(next, version),
          updatedAt: new Date().toISOString(),
        }),
        ConditionExpression: expectedVersion === 0 ? 'attribute_not_exists(pk)' : 'version = :expected',
        ...(expectedVersion === 0
          ? {}
          : { ExpressionAttributeValues: toAttributes({ ':expected': expectedVersion }) }),
      },
    };
    const items: NonNullable<ConstructorParameters<typeof TransactWriteItemsCommand>[0]['TransactItems']> = [
      statePut,
    ];
    if (decision) items.push({ Put: { TableName: this.tableName, Item: this.decisionItem(decision) } });
    try {
      await this.client.send(new TransactWriteItemsCommand({ TransactItems: items }));
      return { ok: true, version };
    } catch (error) {
      if (isConditionFailure(error)) return { ok: false, reason: 'version_conflict' };
      throw wrap('dynamodb', 'TransactWriteItems', error);
    }
  }

  /** Logs a decision that changed no state (ignored signals, holds). */
  async logDecision(decision: Decision): Promise<void> {
    try {
      await this.client.send(
        new PutItemCommand({ TableName: this.tableName, Item: this.decisionItem(decision) }),
      );
    } catch (error) {
      throw wrap('dynamodb', 'PutItem', error);
    }
  }

  /** The newest decisions first. */
  async recentDecisions(workload: string, limit = 20): Promise<Decision[]> {
    try {
      const { Items = [] } = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: toAttributes({ ':pk': `WORKLOAD#${workload}`, ':prefix': 'DECISION#' }),
          ScanIndexForward: false,
          Limit: limit,
        }),
      );
      return Items.map((item) => fromAttributes(item).decision as Decision);
    } catch (error) {
      throw wrap('dynamodb', 'Query', error);
    }
  }

  /**
   * Remembers why a queue message could not be processed, keyed by its message id (which SQS keeps
   * when it moves the message to the dead-letter queue), for `spillway dlq list`.
   */
  async recordMessageFailure(messageId: string, reason: string, at: Date): Promise<void> {
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: toAttributes({
            pk: `MESSAGE#${messageId}`,
            sk: 'FAILURE',
            reason: reason.slice(0, 2000),
            at: at.toISOString(),
            expiresAt: Math.floor(at.getTime() / 1000) + 14 * 86_400,
          }),
        }),
      );
    } catch (error) {
      throw wrap('dynamodb', 'PutItem', error);
    }
  }

  /** The last recorded failure reason of each message that has one. */
  async messageFailures(messageIds: readonly string[]): Promise<Map<string, { reason: string; at: string }>> {
    const reasons = new Map<string, { reason: string; at: string }>();
    const keys = messageIds.map((id) => toAttributes({ pk: `MESSAGE#${id}`, sk: 'FAILURE' }));
    for (const attributes of await batchGetAll(this.client, this.tableName, keys, { consistent: false })) {
      const item = fromAttributes(attributes);
      reasons.set(String(item.pk).slice('MESSAGE#'.length), {
        reason: String(item.reason),
        at: String(item.at),
      });
    }
    return reasons;
  }

  private decisionItem(decision: Decision): Attributes {
    const expiresAt = Math.floor(Date.parse(decision.at) / 1000) + this.decisionRetentionDays * 86_400;
    return toAttributes({ ...decisionKey(decision), decision, expiresAt });
  }
}

function isConditionFailure(error: unknown): boolean {
  if (error instanceof TransactionCanceledException) {
    return (error.CancellationReasons ?? []).some((reason) => reason.Code === 'ConditionalCheckFailed');
  }
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}
