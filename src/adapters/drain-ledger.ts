import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { LedgerStatus } from '../workflow/drain-definition';
import { batchGetAll } from './batch-get';
import { wrap } from './errors';

export interface LedgerEntry {
  readonly taskArn: string;
  readonly status: LedgerStatus;
  /** Which drain of the task wrote the row (its execution name); absent in rows of older workflows. */
  readonly drainId?: string;
  readonly stoppedAt?: string;
  readonly failure?: string;
}

/**
 * What calling off a drain came to: `cancelled` when the drain will not stop the task (the row
 * was moved from draining to cancelled, or the drain had not marked it yet and now never will);
 * `too_late` when the workflow got to its point of no return first.
 */
export type CancelOutcome = 'cancelled' | 'too_late';

const STATUSES: ReadonlySet<string> = new Set<LedgerStatus>([
  'draining',
  'cancelled',
  'stopping',
  'stopped',
  'drain_failed',
]);

/** Reads what the drain workflows wrote in a burst region's drain ledger, and calls drains off. */
export class DrainLedger {
  constructor(
    private readonly dynamoFor: (region: string) => DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async read(region: string, taskArns: readonly string[]): Promise<Map<string, LedgerEntry>> {
    const entries = new Map<string, LedgerEntry>();
    const keys = taskArns.map((taskArn) => ({ taskArn: { S: taskArn } }));
    for (const item of await batchGetAll(this.dynamoFor(region), this.tableName, keys, {
      consistent: true,
    })) {
      const taskArn = item.taskArn?.S;
      const status = item.status?.S;
      if (!taskArn || !status || !STATUSES.has(status)) continue;
      entries.set(taskArn, {
        taskArn,
        status: status as LedgerStatus,
        ...(item.drainId?.S ? { drainId: item.drainId.S } : {}),
        ...(item.stoppedAt?.S ? { stoppedAt: item.stoppedAt.S } : {}),
        ...(item.failure?.S ? { failure: item.failure.S } : {}),
      });
    }
    return entries;
  }

  /**
   * Calls off one drain of a task, racing the workflow's own conditional write before StopTask
   * (see src/workflow/drain-definition.ts). The row is taken when it is missing (the drain has not
   * marked it yet: the mark it would write is refused from now on), belongs to an earlier drain,
   * or belongs to this drain and is still draining (or already cancelled: a retried cancel).
   * A row without a drainId was written by a workflow version that cannot be called off.
   */
  async cancel(
    region: string,
    request: {
      readonly taskArn: string;
      readonly drainId: string;
      readonly workload: string;
      readonly at: Date;
    },
  ): Promise<CancelOutcome> {
    try {
      await this.dynamoFor(region).send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { taskArn: { S: request.taskArn } },
          ConditionExpression:
            'attribute_not_exists(#taskArn) OR (attribute_exists(#drainId) AND #drainId <> :drainId) OR ' +
            '(#drainId = :drainId AND #status IN (:draining, :status))',
          UpdateExpression:
            'SET #status = :status, #cancelledAt = :cancelledAt, #drainId = :drainId, #workload = :workload, ' +
            '#expiresAt = :expiresAt',
          ExpressionAttributeNames: {
            '#taskArn': 'taskArn',
            '#status': 'status',
            '#cancelledAt': 'cancelledAt',
            '#drainId': 'drainId',
            '#workload': 'workload',
            '#expiresAt': 'expiresAt',
          },
          ExpressionAttributeValues: {
            ':status': { S: 'cancelled' },
            ':draining': { S: 'draining' },
            ':cancelledAt': { S: request.at.toISOString() },
            ':drainId': { S: request.drainId },
            ':workload': { S: request.workload },
            ':expiresAt': { N: String(Math.floor(request.at.getTime() / 1000) + LEDGER_RETENTION_SECONDS) },
          },
        }),
      );
      return 'cancelled';
    } catch (error) {
      if (
        error instanceof ConditionalCheckFailedException ||
        (error as Error).name === 'ConditionalCheckFailedException'
      )
        return 'too_late';
      throw wrap('dynamodb', 'UpdateItem', error);
    }
  }
}

/** Drain ledger rows outlive their drain by this long, for audits. */
export const LEDGER_RETENTION_SECONDS = 30 * 86_400;
