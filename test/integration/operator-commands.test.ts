import { ListExecutionsCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignalQueue } from '../../src/adapters/signal-queue';
import type { WorkloadState } from '../../src/core/workload-state';
import { buildCommand, type CommandRequest, sendCommand } from '../../src/usecases/send-command';
import { alertmanagerBody, eventually, type Harness, startHarness, tagValue, tasksIn } from './harness';

/** The same paths through the CLI itself (child processes, exit codes, output) are in cli.test.ts. */
describe('operator commands through the signals queue, end to end through the local runtime', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness();
  });
  afterAll(async () => {
    await harness?.runtime.stop();
  });

  /** What `spillway burst|drain|pause|dry-run` does: one command message on the signals queue. */
  const send = (request: Omit<CommandRequest, 'reason'> & { reason?: string }) =>
    sendCommand(
      new SignalQueue(harness.sqs, harness.runtime.provisioned.signalsQueueUrl),
      buildCommand({ reason: 'integration test', requestedBy: 'tester', ...request }),
    );
  const tasksOf = async (workload: string) =>
    (await tasksIn(harness, 'us-west-2', 'spillway-test')).filter(
      (t) => tagValue(t, 'spillway:workload') === workload,
    );
  const stateWhere = (workload: string, ok: (state: WorkloadState) => boolean, what: string) =>
    eventually(async () => {
      const state = await harness.store.load(workload);
      return ok(state) ? state : undefined;
    }, what);
  const fire = (workload: string, fingerprint: string) =>
    harness.post(
      'alertmanager',
      alertmanagerBody({
        workload,
        status: 'firing',
        fingerprint,
        startsAt: new Date(Date.now() - 30_000).toISOString(),
      }),
    );

  it('burst N starts N tagged tasks, with the reason in the decision log', async () => {
    // Act
    const command = await send({ workload: 'ops-burst', action: 'burst', count: 2, reason: 'sale starts' });

    // Assess
    const running = await eventually(async () => {
      const tasks = (await tasksOf('ops-burst')).filter((t) => t.lastStatus === 'RUNNING');
      return tasks.length === 2 ? tasks : undefined;
    }, 'two RUNNING ops-burst tasks');
    expect(running.map((t) => tagValue(t, 'spillway:decision'))).toEqual([
      expect.stringMatching(/^d-/),
      expect.stringMatching(/^d-/),
    ]);
    const decisions = await harness.store.recentDecisions('ops-burst');
    const burst = decisions.find((d) => d.action.kind === 'scale_out');
    expect(burst?.reason).toBe('operator burst 2 by tester ("sale starts"): start 2 in us-west-2');
    expect(burst?.commands).toEqual([{ id: command.id, action: 'burst', outcome: 'applied' }]);
  });

  it('the same command sent twice starts nothing more', async () => {
    // Prepare: the command of the test above, again (a CLI retry after a timeout)
    const [first] = (await harness.store.recentDecisions('ops-burst')).flatMap((d) => d.commands ?? []);
    const again = buildCommand({
      id: first?.id as string,
      workload: 'ops-burst',
      action: 'burst',
      count: 2,
      reason: 'sale starts',
    });

    // Act
    await sendCommand(new SignalQueue(harness.sqs, harness.runtime.provisioned.signalsQueueUrl), again);

    // Assess
    await eventually(async () => {
      const decisions = await harness.store.recentDecisions('ops-burst');
      return decisions.some((d) => d.action.kind === 'ignored') ? true : undefined;
    }, 'the duplicate command logged as ignored');
    expect(await tasksOf('ops-burst')).toHaveLength(2);
  });

  it('pause, then a firing alert: nothing starts and the decision log says paused', async () => {
    // Prepare
    await send({ workload: 'ops-pause', action: 'pause', reason: 'incident 42' });
    await stateWhere('ops-pause', (s) => !!s.paused, 'the pause applied');

    // Act
    expect((await fire('ops-pause', 'ab5e000000000001')).status).toBe(202);

    // Assess
    const held = await eventually(async () => {
      const decisions = await harness.store.recentDecisions('ops-pause');
      return decisions.find((d) => d.firingAlerts.length > 0);
    }, 'a decision on the firing alert');
    expect(held.action).toEqual({ kind: 'hold' });
    expect(held.reason).toMatch(/^1 alert\(s\) firing but paused since .* \("incident 42"\): no new tasks$/);
    await harness.runtime.reconcileNow();
    expect(await tasksOf('ops-pause')).toEqual([]);
    expect((await harness.store.load('ops-pause')).pendingLaunches).toEqual([]);
  });

  it('dry-run on, then a firing alert: nothing starts and the decision log says dry-run', async () => {
    // Prepare
    await send({ workload: 'ops-dry-run', action: 'dry_run_on' });
    await stateWhere('ops-dry-run', (s) => !!s.dryRun, 'dry-run applied');

    // Act
    expect((await fire('ops-dry-run', 'd00d000000000001')).status).toBe(202);

    // Assess
    const logged = await eventually(async () => {
      const decisions = await harness.store.recentDecisions('ops-dry-run');
      return decisions.find((d) => d.firingAlerts.length > 0);
    }, 'a decision on the firing alert');
    expect(logged.action).toEqual({ kind: 'hold' });
    expect(logged.reason).toMatch(/^dry-run: would start 1 in us-west-2/);
    expect(logged.wouldHave).toEqual({ kind: 'scale_out', placements: [{ region: 'us-west-2', count: 1 }] });
    await harness.runtime.reconcileNow();
    expect(await tasksOf('ops-dry-run')).toEqual([]);
  });

  it('drain --all drains every burst task through the drain workflow to STOPPED', async () => {
    // Prepare: two tasks from a manual burst
    await send({ workload: 'ops-drain', action: 'burst', count: 2 });
    const started = await eventually(async () => {
      const tasks = (await tasksOf('ops-drain')).filter((t) => t.lastStatus === 'RUNNING');
      return tasks.length === 2 ? tasks : undefined;
    }, 'two RUNNING ops-drain tasks');

    // Act
    await send({ workload: 'ops-drain', action: 'drain_all', reason: 'sale over' });

    // Assess
    await stateWhere(
      'ops-drain',
      (s) =>
        Object.values(s.tasks).length === 2 && Object.values(s.tasks).every((t) => t.status === 'stopped'),
      'both tasks recorded stopped',
    );
    const stopped = await tasksOf('ops-drain');
    expect(stopped.map((t) => t.lastStatus)).toEqual(['STOPPED', 'STOPPED']);
    expect(stopped.map((t) => t.stoppedReason)).toEqual(['Spillway drain', 'Spillway drain']);
    const stateMachineArn = harness.runtime.provisioned.drainStateMachines['us-west-2'] as string;
    const executions =
      (await harness.sfn('us-west-2').send(new ListExecutionsCommand({ stateMachineArn }))).executions ?? [];
    const ids = started.map((t) => (t.taskArn as string).split('/').at(-1));
    // Named after the task and, since drains can be cancelled, after this drain of it.
    const ours = executions.filter((e) => ids.some((id) => e.name?.startsWith(`ops-drain-${id}`)));
    expect(ours.map((e) => e.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    const decisions = await harness.store.recentDecisions('ops-drain');
    expect(decisions.find((d) => d.action.kind === 'scale_in')?.reason).toMatch(
      /^operator drain all by tester \("sale over"\): draining 2 task\(s\)/,
    );
  });
});
