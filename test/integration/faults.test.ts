import { RunTaskCommand, StopTaskCommand } from '@aws-sdk/client-ecs';
import { ListExecutionsCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSealedConfig } from '../../src/config/sealed';
import type { Signal } from '../../src/core/signal';
import { countLive } from '../../src/core/workload-state';
import { decideDeps } from '../../src/runtime/decide-wiring';
import { readSettings } from '../../src/runtime/settings';
import { applySignals } from '../../src/usecases/apply-signals';
import type { Log } from '../../src/usecases/ports';
import { eventually, type Harness, startHarness, tagValue, tasksIn } from './harness';

const quiet: Log = { info: () => {}, warn: () => {}, error: () => {} };

const firing = (workload: string, alertKey: string, observedAt: string): Signal => ({
  id: `sig-${workload}-${alertKey}`,
  source: 'alertmanager',
  workload,
  alertKey,
  state: 'firing',
  severity: 'critical',
  observedAt,
  dedupKey: `test:${workload}:${alertKey}:${observedAt}`,
});

describe('faults against the emulator', () => {
  let harness: Harness;
  let deps: ReturnType<typeof decideDeps>;
  beforeAll(async () => {
    harness = await startHarness();
    // The runtime has set the variables a function reads; build the same adapters it does.
    deps = decideDeps(readSettings(), quiet);
  });
  afterAll(async () => {
    await harness?.runtime.stop();
  });
  const workload = (name: string) => {
    const config = readSealedConfig(process.env.SPILLWAY_CONFIG as string);
    const found = config.workloads.find((w) => w.name === name);
    if (!found) throw new Error(`no workload ${name} in the test config`);
    return found;
  };
  const subnet = () => workload('orphans').burstRegions[0]?.network;

  it('records and drains a tagged task missing from state (a crash between RunTask and the state write)', async () => {
    // Prepare: a task started with Spillway's tags, as a crashed decide would leave it.
    const network = subnet();
    const started = await harness.ecs('us-west-2').send(
      new RunTaskCommand({
        cluster: 'spillway-test',
        taskDefinition: 'orphans',
        launchType: 'FARGATE',
        startedBy: 'spillway',
        count: 1,
        tags: [
          { key: 'spillway:workload', value: 'orphans' },
          { key: 'spillway:environment', value: 'local' },
          { key: 'spillway:decision', value: 'd-crashed' },
        ],
        networkConfiguration: {
          awsvpcConfiguration: {
            subnets: [...(network?.subnets ?? [])],
            securityGroups: [...(network?.securityGroups ?? [])],
          },
        },
      }),
    );
    const orphanArn = started.tasks?.[0]?.taskArn as string;

    // Act
    await harness.runtime.reconcileNow();

    // Assess: recorded, and (the workload needs no capacity) drained through the workflow.
    const state = await eventually(async () => {
      const current = await harness.store.load('orphans');
      const task = Object.values(current.tasks).find((t) => t.taskArn === orphanArn);
      return task?.status === 'stopped' ? current : undefined;
    }, 'the orphan recorded and drained');
    expect(Object.values(state.tasks).map((t) => t.decisionId)).toEqual(['d-crashed']);
    const [task] = await tasksIn(harness, 'us-west-2', 'spillway-test').then((all) =>
      all.filter((t) => t.taskArn === orphanArn),
    );
    expect(task?.lastStatus).toBe('STOPPED');
    expect(task?.stoppedReason).toBe('Spillway drain');
    const decisions = await harness.store.recentDecisions('orphans');
    expect(decisions.some((d) => /1 tagged task\(s\) missing from state/.test(d.reason))).toBe(true);
  });

  it('replaces a burst task that dies on its own while the alert still fires, and stops replacing a crash loop', async () => {
    // Prepare
    await applySignals(workload('lost-tasks'), [firing('lost-tasks', 'cpu', new Date().toISOString())], deps);
    const running = async () =>
      (await tasksIn(harness, 'us-west-2', 'spillway-test')).filter(
        (t) => tagValue(t, 'spillway:workload') === 'lost-tasks' && t.lastStatus === 'RUNNING',
      );
    expect(await running()).toHaveLength(2);

    // Act: kill one task three times over, as a crash-looping container would.
    for (let round = 1; round <= 4; round++) {
      const [victim] = await running();
      await harness.ecs('us-west-2').send(
        new StopTaskCommand({
          cluster: 'spillway-test',
          task: victim?.taskArn,
          reason: 'Essential container exited',
        }),
      );
      await harness.runtime.reconcileNow();
      await harness.runtime.reconcileNow();
    }

    // Assess: three replacements, then the guard holds with a reason.
    const state = await harness.store.load('lost-tasks');
    const stopped = Object.values(state.tasks).filter((t) => t.status === 'stopped');
    expect(stopped).toHaveLength(4);
    expect(stopped.every((t) => t.stopReason === 'Essential container exited')).toBe(true);
    expect(state.replacements).toHaveLength(3);
    expect(await running()).toHaveLength(1);
    expect(countLive(state).total).toBe(1);
    const decisions = await harness.store.recentDecisions('lost-tasks', 50);
    expect(decisions.filter((d) => d.reason.startsWith('replacing 1 burst task(s)'))).toHaveLength(3);
  });

  it('never exceeds maxBurstTasks when deciders race on one workload', async () => {
    // Prepare: eight decide invocations at once, each with a new firing alert, for a workload
    // whose max is 4 with a step of 2 and no cooldown.
    const racing = workload('racing');
    const now = new Date().toISOString();

    // Act: an invocation that loses the race too often throws ConcurrencyError and its message is
    // redelivered; redeliver those until every signal is applied, as SQS would. How many rounds
    // that takes depends on how the machine schedules the racers, not on the code under test.
    let pending = Array.from({ length: 8 }, (_, i) => firing('racing', `alert-${i}`, now));
    for (let round = 0; round < 20 && pending.length > 0; round++) {
      const results = await Promise.allSettled(pending.map((signal) => applySignals(racing, [signal], deps)));
      pending = pending.filter((_, i) => results[i]?.status === 'rejected');
    }

    // Assess: on the settled end state, read together from the state table and ECS. The reconcile
    // timer may still hold the claim on the last launch, or be between RunTask and the write that
    // records its tasks: wait for no launch pending and no task moving, then count.
    expect(pending).toEqual([]);
    const settled = await eventually(
      async () => {
        const state = await harness.store.load('racing');
        if (state.pendingLaunches.length > 0) return undefined;
        if (Object.values(state.tasks).some((t) => t.status !== 'running' && t.status !== 'stopped'))
          return undefined;
        const ecs = (await tasksIn(harness, 'us-west-2', 'spillway-test')).filter(
          (t) => tagValue(t, 'spillway:workload') === 'racing',
        );
        return { state, ecs };
      },
      'the racing launches to settle',
      60_000,
    );
    const { state, ecs } = settled;
    const live = Object.values(state.tasks).filter((t) => t.status === 'running');
    expect(Object.keys(state.alerts)).toHaveLength(8);
    expect(countLive(state).total).toBe(4);
    // Exactly the recorded tasks run, and no other task was ever started for the workload.
    expect(ecs).toHaveLength(4);
    expect(ecs.map((t) => t.lastStatus)).toEqual(['RUNNING', 'RUNNING', 'RUNNING', 'RUNNING']);
    expect(ecs.map((t) => t.taskArn).sort()).toEqual(live.map((t) => t.taskArn).sort());
    // And no decision along the way ever saw more than the max.
    const decisions = await harness.store.recentDecisions('racing', 100);
    expect(decisions.length).toBeGreaterThan(0);
    expect(decisions.filter((d) => d.liveTasks > 4)).toEqual([]);
  });

  it('finishes a drain of a task that is already stopped, and a second start of the same drain is a no-op', async () => {
    // Prepare: a running task of racing, stopped behind Spillway's back.
    const state = await harness.store.load('racing');
    const task = Object.values(state.tasks)[0];
    if (!task) throw new Error('racing has no task');
    await harness
      .ecs('us-west-2')
      .send(new StopTaskCommand({ cluster: 'spillway-test', task: task.taskArn }));
    const input = {
      workload: 'racing',
      taskArn: task.taskArn,
      cluster: 'spillway-test',
      drainSeconds: 0,
      ledgerTable: harness.runtime.provisioned.drainLedgerTable,
      ledgerExpiresAt: '4102444800',
      decisionId: task.decisionId,
      target: null,
    };

    // Act
    const first = await deps.drains.start('us-west-2', `racing-${task.taskId}`, input);
    const second = await deps.drains.start('us-west-2', `racing-${task.taskId}`, input);

    // Assess
    // Step Functions answers a repeat start of a running execution with the same ARN, and of a
    // finished one with ExecutionAlreadyExists: either way, one execution.
    expect(first.status).toBe('started');
    expect(second.executionArn).toBe(first.executionArn);
    const stateMachineArn = harness.runtime.provisioned.drainStateMachines['us-west-2'] as string;
    const executions = await eventually(async () => {
      const listed = (
        (await harness.sfn('us-west-2').send(new ListExecutionsCommand({ stateMachineArn }))).executions ?? []
      ).filter((e) => e.name === `racing-${task.taskId}`);
      return listed[0]?.status === 'SUCCEEDED' ? listed : undefined;
    }, 'the drain of a stopped task to succeed');
    expect(executions).toHaveLength(1);
  });
});
