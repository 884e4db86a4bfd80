import { describe, expect, it } from 'vitest';
import { DrainLedger } from '../../../src/adapters/drain-ledger';
import { drainWorkflowDefinition } from '../../../src/workflow/drain-definition';
import { at, taskArnOf } from '../factories';
import { type Execution, LedgerTable, runLedgerState } from './ledger-table';

const TASK_ARN = taskArnOf('us-west-2', 'spillway-burst', '0123456789abcdef0123456789abcdef');
const TABLE = 'spillway-drain-ledger';

const execution = (name: string, target: unknown = null): Execution => ({
  name,
  input: {
    workload: 'checkout-api',
    taskArn: TASK_ARN,
    cluster: 'spillway-burst',
    drainSeconds: 300,
    ledgerTable: TABLE,
    ledgerExpiresAt: '1775044800',
    decisionId: 'd-000000000000000000000000',
    target,
    error: { Error: 'Ecs.AccessDeniedException', Cause: 'not authorized' },
  },
});

function setup() {
  const table = new LedgerTable();
  const ledger = new DrainLedger(() => table.client(), TABLE);
  const cancel = (drainId: string) =>
    ledger.cancel('us-west-2', { taskArn: TASK_ARN, drainId, workload: 'checkout-api', at: at(0) });
  return { table, ledger, cancel };
}

const FIRST = execution('checkout-api-0123456789abcdef0123456789abcdef-a1b2c3');
const SECOND = execution('checkout-api-0123456789abcdef0123456789abcdef-d4e5f6');

describe('calling off a drain: the canceller and the workflow race on the ledger row', () => {
  it('the canceller wins while the drain waits: the workflow ends Cancelled at its point of no return', async () => {
    // Prepare
    const { table, cancel } = setup();
    expect(runLedgerState(table, 'MarkDraining', FIRST)).toBe('HasTargetGroup');

    // Act
    const outcome = await cancel(FIRST.name);
    const next = runLedgerState(table, 'MarkStopping', FIRST);

    // Assess: no StopTask, and the row says why
    expect(outcome).toBe('cancelled');
    expect(next).toBe('Cancelled');
    expect(table.status(TASK_ARN)).toBe('cancelled');
    expect(table.drainId(TASK_ARN)).toBe(FIRST.name);
  });

  it('the workflow wins once it marked the task stopping: the cancel is too late', async () => {
    // Prepare
    const { table, cancel } = setup();
    runLedgerState(table, 'MarkDraining', FIRST);
    expect(runLedgerState(table, 'MarkStopping', FIRST)).toBe('StopTask');

    // Act
    const outcome = await cancel(FIRST.name);

    // Assess: the row is untouched, and a retried mark (a lost response) still passes
    expect(outcome).toBe('too_late');
    expect(table.status(TASK_ARN)).toBe('stopping');
    expect(runLedgerState(table, 'MarkStopping', FIRST)).toBe('StopTask');
  });

  it('a cancel that lands before the drain marked its row keeps the mark from bringing the drain back', async () => {
    // Prepare
    const { table, cancel } = setup();

    // Act: the execution starts (or resumes) only after the cancel
    const outcome = await cancel(FIRST.name);
    const next = runLedgerState(table, 'MarkDraining', FIRST);

    // Assess
    expect(outcome).toBe('cancelled');
    expect(next).toBe('Cancelled');
    expect(table.status(TASK_ARN)).toBe('cancelled');
  });

  it('a retried cancel finds its own cancellation and succeeds again', async () => {
    // Prepare
    const { table, cancel } = setup();
    runLedgerState(table, 'MarkDraining', FIRST);
    await cancel(FIRST.name);

    // Act
    const again = await cancel(FIRST.name);

    // Assess
    expect(again).toBe('cancelled');
  });

  it('a retried mark draining (a lost response) passes, since the row is still this drain, draining', () => {
    // Prepare
    const { table } = setup();
    runLedgerState(table, 'MarkDraining', FIRST);

    // Act
    const next = runLedgerState(table, 'MarkDraining', FIRST);

    // Assess
    expect(next).toBe('HasTargetGroup');
  });

  it('a later drain of the kept task takes the row over; the old execution can neither stop the task nor overwrite the row', async () => {
    // Prepare: the first drain was called off while it waited
    const { table, cancel, ledger } = setup();
    runLedgerState(table, 'MarkDraining', FIRST);
    await cancel(FIRST.name);

    // Act
    const secondMarked = runLedgerState(table, 'MarkDraining', SECOND);
    const firstWakesUp = runLedgerState(table, 'MarkStopping', FIRST);
    const firstFails = runLedgerState(table, 'RecordDrainFailed', FIRST);
    const secondStops = runLedgerState(table, 'MarkStopping', SECOND);

    // Assess
    expect([secondMarked, firstWakesUp, firstFails, secondStops]).toEqual([
      'HasTargetGroup',
      'Cancelled',
      'DrainFailed',
      'StopTask',
    ]);
    expect((await ledger.read('us-west-2', [TASK_ARN])).get(TASK_ARN)).toMatchObject({
      status: 'stopping',
      drainId: SECOND.name,
    });
  });

  it('cannot call off a drain of an older workflow version, whose row names no drain', async () => {
    // Prepare
    const { table, cancel } = setup();
    table.items.set(TASK_ARN, { taskArn: { S: TASK_ARN }, status: { S: 'draining' } });

    // Act
    const outcome = await cancel(FIRST.name);

    // Assess: that workflow stops the task whatever the row says
    expect(outcome).toBe('too_late');
    expect(table.status(TASK_ARN)).toBe('draining');
  });

  it('puts the target back when the cancel landed while the drain was taking it out', async () => {
    // Prepare: deregistering is under way
    const { table, cancel } = setup();
    const withTarget = execution(FIRST.name, {
      targetGroupArn:
        'arn:aws:elasticloadbalancing:us-west-2:123456789012:targetgroup/checkout/0123456789abcdef',
      targets: [{ Id: '10.0.1.5', Port: 8080 }],
    });
    runLedgerState(table, 'MarkDraining', withTarget);

    // Act
    await cancel(FIRST.name);
    const next = runLedgerState(table, 'MarkDeregistered', withTarget);

    // Assess
    const restore = (drainWorkflowDefinition() as { States: Record<string, Record<string, unknown>> }).States
      .RestoreTarget;
    expect(next).toBe('RestoreTarget');
    expect(restore).toMatchObject({
      Resource: 'arn:aws:states:::aws-sdk:elasticloadbalancingv2:registerTargets',
      Next: 'Cancelled',
    });
  });

  it('goes on waiting when the target is out and the drain still stands', () => {
    // Prepare
    const { table } = setup();
    runLedgerState(table, 'MarkDraining', FIRST);

    // Act
    const next = runLedgerState(table, 'MarkDeregistered', FIRST);

    // Assess
    expect(next).toBe('WaitForDrain');
    expect(table.status(TASK_ARN)).toBe('draining');
  });

  it('records a failure on its own row, but never over a cancellation', async () => {
    // Prepare
    const failing = setup();
    runLedgerState(failing.table, 'MarkDraining', FIRST);
    const cancelled = setup();
    runLedgerState(cancelled.table, 'MarkDraining', FIRST);
    await cancelled.cancel(FIRST.name);

    // Act
    const recorded = runLedgerState(failing.table, 'RecordDrainFailed', FIRST);
    const refused = runLedgerState(cancelled.table, 'RecordDrainFailed', FIRST);

    // Assess
    expect([recorded, refused]).toEqual(['DrainFailed', 'DrainFailed']);
    expect((await failing.ledger.read('us-west-2', [TASK_ARN])).get(TASK_ARN)).toEqual({
      taskArn: TASK_ARN,
      status: 'drain_failed',
      drainId: FIRST.name,
      failure: '{"Error":"Ecs.AccessDeniedException","Cause":"not authorized"}',
    });
    expect(cancelled.table.status(TASK_ARN)).toBe('cancelled');
  });
});
