import { DescribeExecutionCommand, ListExecutionsCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertmanagerBody, eventually, type Harness, startHarness, tagValue, tasksIn } from './harness';

describe('an Alertmanager alert, end to end through the local runtime', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness();
  });
  afterAll(async () => {
    await harness?.runtime.stop();
  });

  const firing = alertmanagerBody({
    workload: 'burst-drain',
    status: 'firing',
    fingerprint: 'c0ffee0000000001',
    startsAt: new Date(Date.now() - 60_000).toISOString(),
  });

  it('starts scaleOutStep tagged burst tasks in the preferred burst region when the alert fires', async () => {
    // Act
    const response = await harness.post('alertmanager', firing);

    // Assess
    expect(response.status).toBe(202);
    const body = (await response.json()) as { accepted: number; signalIds: string[] };
    expect(body.accepted).toBe(1);
    expect(body.signalIds).toHaveLength(1);
    const running = await eventually(async () => {
      const tasks = (await tasksIn(harness, 'us-west-2', 'spillway-test')).filter(
        (t) => t.lastStatus === 'RUNNING',
      );
      return tasks.length === 2 ? tasks : undefined;
    }, 'two RUNNING tasks in us-west-2');
    for (const task of running) {
      expect(tagValue(task, 'spillway:workload')).toBe('burst-drain');
      expect(tagValue(task, 'spillway:environment')).toBe('local');
      expect(tagValue(task, 'spillway:decision')).toMatch(/^d-[0-9a-f]{24}$/);
      expect(task.startedBy).toBe('spillway');
    }
    expect(await tasksIn(harness, 'eu-west-1', 'spillway-test')).toEqual([]);
    const state = await harness.store.load('burst-drain');
    expect(
      Object.values(state.tasks)
        .map((t) => t.taskArn)
        .sort(),
    ).toEqual(running.map((t) => t.taskArn).sort());
    expect(state.pendingLaunches).toEqual([]);
  });

  it('drains those tasks through the drain workflow when the alert resolves', async () => {
    // Prepare
    const resolved = alertmanagerBody({
      workload: 'burst-drain',
      status: 'resolved',
      fingerprint: 'c0ffee0000000001',
      startsAt: firing.alerts[0]?.startsAt as string,
      endsAt: new Date().toISOString(),
    });
    await new Promise((r) => setTimeout(r, 1100)); // the workload's scale-in cooldown is 1 s

    // Act
    const response = await harness.post('alertmanager', resolved);

    // Assess
    expect(response.status).toBe(202);
    const sfn = harness.sfn('us-west-2');
    const stateMachineArn = harness.runtime.provisioned.drainStateMachines['us-west-2'] as string;
    const executions = await eventually(async () => {
      const listed = (await sfn.send(new ListExecutionsCommand({ stateMachineArn }))).executions ?? [];
      const done = listed.filter((e) => e.status === 'SUCCEEDED');
      return done.length === 2 ? done : undefined;
    }, 'two SUCCEEDED drain executions');
    const tasks = await tasksIn(harness, 'us-west-2', 'spillway-test');
    expect(tasks.map((t) => t.lastStatus)).toEqual(['STOPPED', 'STOPPED']);
    expect(tasks.map((t) => t.stoppedReason)).toEqual(['Spillway drain', 'Spillway drain']);
    const taskIds = tasks.map((t) => (t.taskArn as string).split('/').at(-1));
    // One execution per drain, named after the workload, the task and the drain request.
    const names = executions.map((e) => e.name as string).sort();
    expect(names).toHaveLength(2);
    for (const id of taskIds) expect(names.filter((n) => n.startsWith(`burst-drain-${id}-`))).toHaveLength(1);
    const detail = await sfn.send(
      new DescribeExecutionCommand({ executionArn: executions[0]?.executionArn }),
    );
    expect(JSON.parse(detail.input ?? '{}')).toMatchObject({
      workload: 'burst-drain',
      drainSeconds: 1,
      target: null,
    });
    const state = await eventually(async () => {
      const current = await harness.store.load('burst-drain');
      return Object.values(current.tasks).every((t) => t.status === 'stopped') ? current : undefined;
    }, 'the state to record both tasks stopped');
    expect(Object.keys(state.tasks)).toHaveLength(2);
  });

  it('logs every decision with its reason', async () => {
    const decisions = await harness.store.recentDecisions('burst-drain');
    const kinds = decisions.map((d) => d.action.kind);
    expect(kinds).toContain('scale_out');
    expect(kinds).toContain('scale_in');
    const scaleOut = decisions.find((d) => d.action.kind === 'scale_out');
    expect(scaleOut?.reason).toMatch(/1 alert\(s\) firing .*start 2 in us-west-2/);
  });
});
