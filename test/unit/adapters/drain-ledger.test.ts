import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { DrainLedger } from '../../../src/adapters/drain-ledger';
import { AdapterError } from '../../../src/adapters/errors';
import { at } from '../factories';
import { LedgerTable } from '../workflow/ledger-table';

const TASK_ARN = 'arn:aws:ecs:us-west-2:123456789012:task/spillway-burst/0123456789abcdef0123456789abcdef';

const failing = (name: string): DynamoDBClient =>
  ({
    send: async () => {
      throw Object.assign(new Error('denied'), { name });
    },
  }) as unknown as DynamoDBClient;

describe('DrainLedger', () => {
  it('reads the drain identity and every status a drain writes, and skips rows it cannot read', async () => {
    // Prepare
    const table = new LedgerTable();
    const ledger = new DrainLedger(() => table.client(), 'ledger');
    const other = `${TASK_ARN.slice(0, -1)}0`;
    table.items.set(TASK_ARN, {
      taskArn: { S: TASK_ARN },
      status: { S: 'stopping' },
      drainId: { S: 'checkout-api-x-a1b2c3' },
    });
    table.items.set(other, { taskArn: { S: other }, status: { S: 'paused' } });

    // Act
    const entries = await ledger.read('us-west-2', [TASK_ARN, other]);

    // Assess
    expect([...entries.values()]).toEqual([
      { taskArn: TASK_ARN, status: 'stopping', drainId: 'checkout-api-x-a1b2c3' },
    ]);
  });

  it('writes a cancellation that expires like every ledger row', async () => {
    // Prepare
    const table = new LedgerTable();
    const ledger = new DrainLedger(() => table.client(), 'ledger');

    // Act
    await ledger.cancel('us-west-2', {
      taskArn: TASK_ARN,
      drainId: 'd1',
      workload: 'checkout-api',
      at: at(0),
    });

    // Assess
    expect(table.items.get(TASK_ARN)).toMatchObject({
      status: { S: 'cancelled' },
      drainId: { S: 'd1' },
      workload: { S: 'checkout-api' },
      cancelledAt: { S: at(0).toISOString() },
      expiresAt: { N: String(at(0).getTime() / 1000 + 30 * 86_400) },
    });
  });

  it('reports any failure other than a lost race as an adapter error, permanent when access is denied', async () => {
    // Prepare
    const ledger = new DrainLedger(() => failing('AccessDeniedException'), 'ledger');

    // Act
    const cancelling = ledger.cancel('us-west-2', {
      taskArn: TASK_ARN,
      drainId: 'd1',
      workload: 'checkout-api',
      at: at(0),
    });

    // Assess
    await expect(cancelling).rejects.toBeInstanceOf(AdapterError);
    await expect(cancelling).rejects.toMatchObject({ retryable: false, operation: 'UpdateItem' });
  });
});
