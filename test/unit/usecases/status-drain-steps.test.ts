import { describe, expect, it } from 'vitest';
import type { LedgerEntry } from '../../../src/adapters/drain-ledger';
import type { BurstTask } from '../../../src/core/workload-state';
import { drainIdOf } from '../../../src/usecases/drain-naming';
import { statusReport } from '../../../src/usecases/status';
import { aConfig, aState, aTask, at, isoAt, workloadDoc } from '../factories';

/** checkout-api alone, bursting to us-west-2 and eu-west-1. */
const config = aConfig({ workloads: [workloadDoc()], signals: {} });

/** A task whose drain was asked for 30 s ago, with the execution of that drain recorded. */
function drained(taskId: string, status: BurstTask['status'], region = 'us-west-2'): BurstTask {
  const task = aTask({ taskId, region, status, drainRequestedAt: isoAt(-30) });
  return {
    ...task,
    drainExecution: `arn:aws:states:${region}:1:execution:drain:${drainIdOf('checkout-api', task)}`,
  };
}

/** The drain ledgers, per region; records which task ARNs each read asked for. */
function ledgers(rows: readonly (LedgerEntry & { region: string })[]) {
  const reads: { region: string; taskArns: readonly string[] }[] = [];
  return {
    reads,
    read: async (region: string, taskArns: readonly string[]) => {
      reads.push({ region, taskArns });
      return new Map(
        rows.filter((r) => r.region === region && taskArns.includes(r.taskArn)).map((r) => [r.taskArn, r]),
      );
    },
  };
}

const stepsOf = (report: Awaited<ReturnType<typeof statusReport>>) =>
  Object.fromEntries(
    Object.values(report.workloads[0]?.regions ?? {})
      .flat()
      .map((t) => [t.taskArn.split('/').at(-1), t.drainStep]),
  );

describe('each drain’s workflow step in the status', () => {
  it('is what the drain ledger says for the current drain, read only for drains under way', async () => {
    // Prepare
    const waiting = drained('waiting', 'draining');
    const stopping = drained('stopping', 'draining');
    const notYet = drained('not-yet', 'drain_requested');
    const rerun = drained('rerun', 'draining', 'eu-west-1');
    const state = aState({
      tasks: [aTask({ taskId: 'serving' }), waiting, stopping, notYet, rerun, drained('gone', 'stopped')],
    });
    const ledger = ledgers([
      {
        region: 'us-west-2',
        taskArn: waiting.taskArn,
        status: 'draining',
        drainId: drainIdOf('checkout-api', waiting),
      },
      {
        region: 'us-west-2',
        taskArn: stopping.taskArn,
        status: 'stopping',
        drainId: drainIdOf('checkout-api', stopping),
      },
      // The row an earlier drain of this task left: it says nothing about the drain under way now.
      {
        region: 'eu-west-1',
        taskArn: rerun.taskArn,
        status: 'cancelled',
        drainId: 'checkout-api-rerun-000000',
      },
    ]);

    // Act
    const report = await statusReport({
      config,
      store: { load: async () => state },
      compute: { describe: async () => [] },
      ledger,
      now: () => at(0),
    });

    // Assess
    expect(stepsOf(report)).toEqual({
      serving: null,
      waiting: 'draining',
      stopping: 'stopping',
      'not-yet': 'requested',
      rerun: 'requested',
      gone: 'stopped',
    });
    expect(ledger.reads).toEqual([
      { region: 'us-west-2', taskArns: [waiting.taskArn, stopping.taskArn, notYet.taskArn].sort() },
      { region: 'eu-west-1', taskArns: [rerun.taskArn] },
    ]);
  });

  it('asks no ledger when no drain is under way', async () => {
    // Prepare
    const ledger = ledgers([]);

    // Act
    await statusReport({
      config,
      store: { load: async () => aState({ tasks: [aTask({ taskId: 'serving' })] }) },
      compute: { describe: async () => [] },
      ledger,
      now: () => at(0),
    });

    // Assess
    expect(ledger.reads).toEqual([]);
  });

  it('falls back on the recorded status when the ledgers are not read, or cannot be', async () => {
    // Prepare
    const state = aState({
      tasks: [
        drained('asked', 'drain_requested'),
        drained('under-way', 'draining'),
        drained('calling-off', 'cancel_requested'),
        drained('failed', 'drain_failed'),
      ],
    });
    const deps = {
      config,
      store: { load: async () => state },
      compute: { describe: async () => [] },
      now: () => at(0),
    };

    // Act
    const unread = await statusReport(deps);
    const unreachable = await statusReport({
      ...deps,
      ledger: {
        read: async () => {
          throw new Error('dynamodb BatchGetItem failed: ServiceUnavailable');
        },
      },
    });

    // Assess
    const expected = {
      asked: 'requested',
      'under-way': 'draining',
      'calling-off': 'cancelling',
      failed: 'failed',
    };
    expect(stepsOf(unread)).toEqual(expected);
    expect(stepsOf(unreachable)).toEqual(expected);
  });
});
