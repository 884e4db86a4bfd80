import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reconcileDeps } from '../../src/runtime/reconcile-wiring';
import { readSettings } from '../../src/runtime/settings';
import { drainIdOf } from '../../src/usecases/drain-naming';
import { reconcileOnEvent } from '../../src/usecases/reconcile-on-event';
import { alertmanagerBody, eventually, type Harness, startHarness, tagValue, tasksIn } from './harness';

const CONFIG = resolve(import.meta.dirname, 'drain-cancel.yaml');
const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));
const quiet = { info: () => {}, warn: () => {}, error: () => {} };

describe('drains called off and Spot interruptions, end to end through the local runtime', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness({ configPath: CONFIG });
  });
  afterAll(async () => {
    await harness?.runtime.stop();
  });

  const tasksOf = async (workload: string) =>
    (await tasksIn(harness, 'us-west-2', 'spillway-test')).filter(
      (t) => tagValue(t, 'spillway:workload') === workload,
    );
  const running = async (workload: string) =>
    (await tasksOf(workload)).filter((t) => t.lastStatus === 'RUNNING');
  const alert = (workload: string, status: 'firing' | 'resolved', startsAt: string, endsAt?: string) =>
    alertmanagerBody({
      workload,
      status,
      fingerprint: `${workload === 'called-off' ? 'ca11ed0f' : '5b07b07b'}00000001`,
      startsAt,
      ...(endsAt ? { endsAt } : {}),
    });

  it('keeps a draining task when pressure returns: its drain ends Cancelled and no other task starts', async () => {
    // Prepare: the alert fires, a task runs; the alert resolves, the task drains (20 s wait)
    const firstStart = new Date(Date.now() - 60_000).toISOString();
    expect((await harness.post('alertmanager', alert('called-off', 'firing', firstStart))).status).toBe(202);
    const [task] = await eventually(async () => {
      const tasks = await running('called-off');
      return tasks.length === 1 ? tasks : undefined;
    }, 'one RUNNING task of called-off');
    await sleep(1100); // the scale-in cooldown is 1 s
    const resolvedAt = new Date().toISOString();
    await harness.post('alertmanager', alert('called-off', 'resolved', firstStart, resolvedAt));
    const draining = await eventually(async () => {
      const recorded = Object.values((await harness.store.load('called-off')).tasks)[0];
      return recorded?.status === 'draining' && recorded.drainExecution ? recorded : undefined;
    }, 'the drain of the task to start');

    // Act: pressure comes back while the drain waits
    await sleep(500);
    const again = await harness.post('alertmanager', alert('called-off', 'firing', new Date().toISOString()));

    // Assess
    expect(again.status).toBe(202);
    const kept = await eventually(async () => {
      const recorded = (await harness.store.load('called-off')).tasks[draining.taskId];
      return recorded?.status === 'running' ? recorded : undefined;
    }, 'the task to be kept');
    expect(kept.drainExecution).toBeUndefined();
    expect(kept.registeredTarget).toBe(false);
    const sfn = harness.sfn('us-west-2');
    const executionArn = draining.drainExecution as string;
    const ended = await eventually(
      async () => {
        const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
        return described.status !== 'RUNNING' ? described : undefined;
      },
      'the drain execution to end after its wait',
      60_000,
    );
    expect(ended.status).toBe('SUCCEEDED');
    const history = await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }));
    const entered = (history.events ?? []).flatMap((e) => e.stateEnteredEventDetails?.name ?? []);
    expect(entered).toContain('MarkStopping');
    expect(entered).toContain('Cancelled');
    expect(entered).not.toContain('StopTask');
    const tasks = await tasksOf('called-off');
    expect(tasks.map((t) => [t.taskArn, t.lastStatus])).toEqual([[task?.taskArn, 'RUNNING']]);
    const decisions = await harness.store.recentDecisions('called-off');
    expect(decisions.map((d) => d.reason)).toContainEqual(
      `drain of us-west-2/${draining.taskId.slice(0, 8)} cancelled: pressure came back, the task keeps running (execution ${drainIdOf('called-off', draining)})`,
    );
    expect(
      decisions.some(
        (d) => d.action.kind === 'scale_out' && d.action.cancelDrains?.[0]?.taskArn === task?.taskArn,
      ),
    ).toBe(true);
  });

  it('drains a task Fargate Spot interrupts at once, and starts its replacement once', async () => {
    // Prepare: the alert fires, a task runs; the reconcile function is wired as on AWS
    await harness.post(
      'alertmanager',
      alert('spot-interrupted', 'firing', new Date(Date.now() - 60_000).toISOString()),
    );
    const [task] = await eventually(async () => {
      const tasks = await running('spot-interrupted');
      return tasks.length === 1 ? tasks : undefined;
    }, 'one RUNNING task of spot-interrupted');
    const taskArn = task?.taskArn as string;
    const deps = reconcileDeps(readSettings(), quiet);
    const warning = JSON.parse(
      readFileSync(resolve(import.meta.dirname, '../fixtures/ecs-events/spot-interruption.json'), 'utf8'),
    ) as { detail: Record<string, unknown> };
    const event = {
      ...warning,
      time: new Date().toISOString(),
      resources: [taskArn],
      detail: {
        ...warning.detail,
        taskArn,
        clusterArn: task?.clusterArn,
        taskDefinitionArn: task?.taskDefinitionArn,
        startedBy: 'spillway',
      },
    };

    // Act: EventBridge delivers the warning, then delivers it again
    await reconcileOnEvent(event, deps);
    await reconcileOnEvent(event, deps);

    // Assess
    const interrupted = (await harness.store.load('spot-interrupted')).tasks[
      taskArn.split('/').at(-1) as string
    ];
    expect(interrupted?.interruptedAt).toBeDefined();
    const stopped = await eventually(async () => {
      const tasks = await tasksOf('spot-interrupted');
      const drained = tasks.find((t) => t.taskArn === taskArn && t.lastStatus === 'STOPPED');
      const others = tasks.filter((t) => t.taskArn !== taskArn && t.lastStatus === 'RUNNING');
      return drained && others.length === 1 ? { drained, tasks } : undefined;
    }, 'the interrupted task drained and its replacement running');
    expect(stopped.drained.stoppedReason).toBe('Spillway drain');
    expect(stopped.tasks).toHaveLength(2);
    const stateMachineArn = harness.runtime.provisioned.drainStateMachines['us-west-2'] as string;
    const executions = (
      (await harness.sfn('us-west-2').send(new ListExecutionsCommand({ stateMachineArn }))).executions ?? []
    ).filter((e) => e.name?.startsWith(`spot-interrupted-${taskArn.split('/').at(-1)}`));
    expect(executions).toHaveLength(1);
    const input = await harness
      .sfn('us-west-2')
      .send(new DescribeExecutionCommand({ executionArn: executions[0]?.executionArn }));
    expect(JSON.parse(input.input ?? '{}')).toMatchObject({ drainSeconds: 2, taskArn });
    await eventually(async () => {
      const recorded = (await harness.store.load('spot-interrupted')).tasks[interrupted?.taskId as string];
      return recorded?.status === 'stopped' ? recorded : undefined;
    }, 'the state to record the interrupted task stopped');
  });
});
