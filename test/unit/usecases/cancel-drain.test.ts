import { describe, expect, it } from 'vitest';
import { DrainLedger } from '../../../src/adapters/drain-ledger';
import { executionArnOf } from '../../../src/adapters/drain-starter';
import type { WorkloadConfig } from '../../../src/config/schema';
import type { BurstTask } from '../../../src/core/workload-state';
import { applySignals } from '../../../src/usecases/apply-signals';
import { carryOut } from '../../../src/usecases/carry-out';
import { drainIdOf } from '../../../src/usecases/drain-naming';
import { startDrain } from '../../../src/usecases/start-drain';
import { aConfig, alertRecord, aState, aTask, firing, isoAt, resolved, workloadDoc } from '../factories';
import { drainStateMachineArn, fakeDecideDeps } from '../fakes';
import { type Execution, LedgerTable, runLedgerState } from '../workflow/ledger-table';

const LATENCY = 'alertmanager:fp-latency';
const LEDGER = 'spillway-drain-ledger';

function setup() {
  // One step: pressure coming back is met by keeping the draining task alone.
  const config = aConfig({ workloads: [workloadDoc({ scaleOutStep: 1 })], signals: {} });
  const workload = config.workloads[0] as WorkloadConfig;
  const table = new LedgerTable();
  const deps = { ...fakeDecideDeps(config), ledger: new DrainLedger(() => table.client(), LEDGER) };
  return { workload, deps, table };
}

/** The execution of a task's current drain, as the workflow runs it. */
const executionOf = (task: BurstTask): Execution => ({
  name: drainIdOf('checkout-api', task),
  input: {
    workload: 'checkout-api',
    taskArn: task.taskArn,
    ledgerTable: LEDGER,
    ledgerExpiresAt: '1775044800',
    decisionId: task.decisionId,
    target: null,
  },
});

const arnOf = (task: BurstTask) =>
  executionArnOf(drainStateMachineArn(task.region), drainIdOf('checkout-api', task));

/** A task whose drain, started 60 s ago, the policy has just called off. */
function calledOff(overrides: Partial<BurstTask> = {}): BurstTask {
  const task = aTask({ taskId: 'a', status: 'cancel_requested', drainRequestedAt: isoAt(-60), ...overrides });
  return { ...task, drainExecution: arnOf(task), ...overrides };
}

describe('cancelling a drain (carry-out of cancel_requested)', () => {
  it('keeps the task when the cancel wins: running again, to be registered again, and the drain ends Cancelled', async () => {
    // Prepare: the drain marked its row and waits
    const { workload, deps, table } = setup();
    const task = calledOff();
    deps.store.put(aState({ version: 5, tasks: [task] }));
    runLedgerState(table, 'MarkDraining', executionOf(task));

    // Act
    await carryOut(workload, deps);

    // Assess
    const kept = deps.store.get('checkout-api').tasks.a;
    expect(kept?.status).toBe('running');
    expect(kept?.registeredTarget).toBe(false);
    expect(kept?.drainRequestedAt).toBeUndefined();
    expect(kept?.drainExecution).toBeUndefined();
    expect(table.status(task.taskArn)).toBe('cancelled');
    expect(runLedgerState(table, 'MarkStopping', executionOf(task))).toBe('Cancelled');
    expect(deps.drains.starts).toEqual([]);
    expect(deps.compute.requests).toEqual([]);
    expect(deps.store.committedDecisions.map((d) => d.reason)).toEqual([
      `drain of us-west-2/a cancelled: pressure came back, the task keeps running (execution ${drainIdOf('checkout-api', task)})`,
    ]);
  });

  it('lets the drain go on when the workflow got to its point of no return first', async () => {
    // Prepare: the wait is over and the workflow marked the task stopping
    const { workload, deps, table } = setup();
    const task = calledOff();
    deps.store.put(aState({ version: 5, tasks: [task] }));
    runLedgerState(table, 'MarkDraining', executionOf(task));
    runLedgerState(table, 'MarkStopping', executionOf(task));

    // Act
    await carryOut(workload, deps);

    // Assess: draining again, on the same execution; the policy replaces it like any leaving task
    const leaving = deps.store.get('checkout-api').tasks.a;
    expect(leaving?.status).toBe('draining');
    expect(leaving?.drainExecution).toBe(task.drainExecution);
    expect(table.status(task.taskArn)).toBe('stopping');
    expect(deps.drains.starts).toEqual([]);
    expect(deps.store.committedDecisions.map((d) => d.reason)).toEqual([
      `drain of us-west-2/a not cancelled: it had already passed its point of no return, stopping the task (execution ${drainIdOf('checkout-api', task)})`,
    ]);
  });

  it('keeps a task whose drain was called off before it started, and a start racing the cancel changes nothing', async () => {
    // Prepare: a carry-out read the task while its drain was only requested, then stalled
    const { workload, deps, table } = setup();
    const requested = aTask({ taskId: 'a', status: 'drain_requested', drainRequestedAt: isoAt(-5) });
    deps.store.put(aState({ version: 5, tasks: [{ ...requested, status: 'cancel_requested' }] }));

    // Act: the cancel lands first, then the stalled carry-out starts the drain
    await carryOut(workload, deps);
    await startDrain(workload, requested, deps);
    const workflow = runLedgerState(table, 'MarkDraining', executionOf(requested));

    // Assess
    expect(deps.store.get('checkout-api').tasks.a?.status).toBe('running');
    expect(deps.drains.starts.map((s) => s.name)).toEqual([drainIdOf('checkout-api', requested)]);
    expect(workflow).toBe('Cancelled');
  });

  it('drains a kept task again later under a new execution name and a ledger identity of its own', async () => {
    // Prepare: pressure had gone; the drain of a waits
    const { workload, deps, table } = setup();
    const first = aTask({
      taskId: 'a',
      status: 'draining',
      drainRequestedAt: isoAt(-600),
      startedAt: isoAt(-4000),
    });
    const draining = { ...first, drainExecution: arnOf(first) };
    deps.store.put(
      aState({
        version: 5,
        alerts: { [LATENCY]: alertRecord('resolved', -700) },
        lastScaleOutAt: isoAt(-4000),
        lastScaleInAt: isoAt(-600),
        desiredTasks: 0,
        tasks: [draining],
      }),
    );
    runLedgerState(table, 'MarkDraining', executionOf(draining));

    // Act: pressure comes back (the drain is called off), then goes for good
    const comeback = await applySignals(workload, [firing(LATENCY, -5)], deps);
    deps.time.advance(1000);
    const goes = await applySignals(workload, [resolved(LATENCY, 990)], deps);

    // Assess
    expect(comeback.action).toMatchObject({
      kind: 'scale_out',
      placements: [],
      cancelDrains: [{ taskArn: first.taskArn }],
    });
    expect(goes.action).toEqual({
      kind: 'scale_in',
      tasks: [{ taskArn: first.taskArn, region: 'us-west-2' }],
    });
    const again = deps.store.get('checkout-api').tasks.a as BurstTask;
    const [second] = deps.drains.starts;
    expect(deps.drains.starts).toHaveLength(1);
    expect(second?.name).toBe(drainIdOf('checkout-api', again));
    expect(second?.name).not.toBe(executionOf(draining).name);
    expect(again.status).toBe('draining');
    expect(again.drainExecution).toBe(executionArnOf(drainStateMachineArn('us-west-2'), second?.name ?? ''));
    // The old row (first drain, cancelled) does not stand in the second drain's way, nor speak for it.
    expect(runLedgerState(table, 'MarkDraining', executionOf(again))).toBe('HasTargetGroup');
    expect(runLedgerState(table, 'MarkStopping', executionOf(draining))).toBe('Cancelled');
    expect(table.drainId(first.taskArn)).toBe(second?.name);
  });

  it('does not call off the drain of a Spot-interrupted task: ECS stops it whatever happens', async () => {
    // Prepare
    const { workload, deps, table } = setup();
    const task = calledOff({ interruptedAt: isoAt(-20) });
    deps.store.put(aState({ version: 5, tasks: [task] }));

    // Act
    await carryOut(workload, deps);

    // Assess
    expect(deps.store.get('checkout-api').tasks.a?.status).toBe('draining');
    expect(table.writes).toEqual([]);
  });

  it('restarts, under the same name, a drain it could not cancel whose start was never recorded', async () => {
    // Prepare: a crash after StartExecution left no execution in state; the workflow is stopping
    const { workload, deps, table } = setup();
    const task = calledOff({ drainExecution: undefined });
    deps.store.put(aState({ version: 5, tasks: [task] }));
    runLedgerState(table, 'MarkDraining', executionOf(task));
    runLedgerState(table, 'MarkStopping', executionOf(task));

    // Act
    await carryOut(workload, deps);

    // Assess: a repeated start is a no-op on Step Functions, and records the execution
    expect(deps.drains.starts.map((s) => s.name)).toEqual([executionOf(task).name]);
    expect(deps.store.get('checkout-api').tasks.a).toMatchObject({
      status: 'draining',
      drainExecution: arnOf(task),
    });
  });
});
