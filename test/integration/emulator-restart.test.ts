import { DescribeSecurityGroupsCommand, DescribeSubnetsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { ListExecutionsCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientConfig } from '../../src/adapters/client-config';
import { alertmanagerBody, eventually, type Harness, startHarness, tagValue, tasksIn } from './harness';

const RECOVERY_MS = 60_000;

describe('the emulator killed and restarted mid-scenario', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness();
  });
  afterAll(async () => {
    await harness?.runtime.stop();
  });

  const running = async () =>
    (await tasksIn(harness, 'us-west-2', 'spillway-test')).filter(
      (t) => tagValue(t, 'spillway:workload') === 'burst-drain' && t.lastStatus === 'RUNNING',
    );
  const alert = (fingerprint: string, status: 'firing' | 'resolved', startsAt: string) =>
    alertmanagerBody({
      workload: 'burst-drain',
      status,
      fingerprint,
      startsAt,
      ...(status === 'resolved' ? { endsAt: new Date().toISOString() } : {}),
    });

  it('recovers without a restart of the runtime, and a new alert bursts and drains as before', async () => {
    // Prepare: a burst under way.
    const before = await harness.post(
      'alertmanager',
      alert('feed000000000001', 'firing', new Date().toISOString()),
    );
    expect(before.status).toBe(202);
    await eventually(async () => ((await running()).length === 2 ? true : undefined), 'the first burst');
    const { emulator, provisioned } = harness.runtime;
    const killed = emulator.process?.pid as number;
    expect(killed).toBeGreaterThan(0);

    // Act: moto dies as an OOM kill would end it; a monitor keeps sending meanwhile.
    process.kill(killed, 'SIGKILL');
    const duringOutage = await harness.post(
      'alertmanager',
      alert('feed000000000002', 'firing', new Date().toISOString()),
    );
    await eventually(
      async () => {
        const { status, restorations } = harness.runtime.emulatorStatus();
        return status === 'up' && restorations === 1 ? true : undefined;
      },
      'the runtime to restore the emulator',
      RECOVERY_MS,
    );

    // Assess: nothing was accepted that was not queued, and the loss is said out loud.
    expect(duringOutage.status).toBe(503);
    expect(duringOutage.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(emulator.process?.pid).not.toBe(killed);
    expect(emulator.process?.alive()).toBe(true);
    expect(harness.lines.some((l) => l.includes(`moto (pid ${killed}) exited`))).toBe(true);
    expect(harness.lines.some((l) => /restored .*what it held is gone: burst tasks/.test(l))).toBe(true);
    // The restarted emulator is empty, and the runtime sees exactly that.
    expect(await tasksIn(harness, 'us-west-2', 'spillway-test')).toEqual([]);
    expect((await harness.store.load('burst-drain')).tasks).toEqual({});
    // The ids the functions hold name resources of the new emulator: moto was seeded alike.
    const network = provisioned.burstNetworks['us-west-2'];
    const ec2 = new EC2Client(clientConfig('us-west-2', harness.runtime.endpoint));
    const subnets = await ec2.send(new DescribeSubnetsCommand({ SubnetIds: [network?.subnetId as string] }));
    const groups = await ec2.send(
      new DescribeSecurityGroupsCommand({ GroupIds: [network?.securityGroupId as string] }),
    );
    expect(subnets.Subnets?.map((s) => s.SubnetId)).toEqual([network?.subnetId]);
    expect(groups.SecurityGroups?.map((g) => g.GroupId)).toEqual([network?.securityGroupId]);
    expect(harness.lines.some((l) => /restored with a different/.test(l))).toBe(false);
    expect((await fetch(`${harness.runtime.url}/healthz`)).status).toBe(200);

    // Act: a new alert after the recovery.
    const startsAt = new Date().toISOString();
    const after = await harness.post('alertmanager', alert('feed000000000003', 'firing', startsAt));

    // Assess: the same functions, config and network ids start tasks in the new emulator.
    expect(after.status).toBe(202);
    const tasks = await eventually(async () => {
      const now = await running();
      return now.length === 2 ? now : undefined;
    }, 'the burst after recovery');
    for (const task of tasks) expect(tagValue(task, 'spillway:environment')).toBe('local');
    const state = await eventually(async () => {
      const current = await harness.store.load('burst-drain');
      return Object.keys(current.tasks).length === 2 && current.pendingLaunches.length === 0
        ? current
        : undefined;
    }, 'the state to record the new burst');
    expect(
      Object.values(state.tasks)
        .map((t) => t.taskArn)
        .sort(),
    ).toEqual(tasks.map((t) => t.taskArn).sort());

    // Act: the alert resolves once the scale-in cooldown (1 s) has passed.
    await eventually(
      async () => (Date.now() - Date.parse(state.lastScaleOutAt ?? startsAt) > 1100 ? true : undefined),
      'the scale-in cooldown',
    );
    const resolved = await harness.post('alertmanager', alert('feed000000000003', 'resolved', startsAt));

    // Assess: drained through the workflow in the new emulator.
    expect(resolved.status).toBe(202);
    const stateMachineArn = provisioned.drainStateMachines['us-west-2'] as string;
    await eventually(async () => {
      const listed =
        (await harness.sfn('us-west-2').send(new ListExecutionsCommand({ stateMachineArn }))).executions ??
        [];
      return listed.filter((e) => e.status === 'SUCCEEDED').length === 2 ? listed : undefined;
    }, 'two SUCCEEDED drain executions');
    const stopped = await eventually(async () => {
      const current = await harness.store.load('burst-drain');
      return Object.values(current.tasks).every((t) => t.status === 'stopped') ? current : undefined;
    }, 'the state to record both tasks stopped');
    expect(Object.keys(stopped.tasks)).toHaveLength(2);
    expect(await running()).toEqual([]);
  });
});
