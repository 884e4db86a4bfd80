import { DescribeVpcsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { ListTaskDefinitionsCommand } from '@aws-sdk/client-ecs';
import { ListStateMachinesCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientConfig } from '../../src/adapters/client-config';
import { type Emulator, startMoto } from '../../src/local/emulator';
import { alertmanagerBody, eventually, type Harness, startHarness, tagValue, tasksIn } from './harness';

describe('a runtime started on an emulator an earlier runtime provisioned', () => {
  let moto: Emulator;
  let first: Harness | undefined;
  let second: Harness | undefined;
  beforeAll(async () => {
    moto = await startMoto();
  });
  afterAll(async () => {
    await first?.runtime.stop();
    await second?.runtime.stop();
    await moto?.stop();
  });

  const running = async (harness: Harness) =>
    (await tasksIn(harness, 'us-west-2', 'spillway-test'))
      .filter((t) => tagValue(t, 'spillway:workload') === 'burst-drain' && t.lastStatus === 'RUNNING')
      .map((t) => t.taskArn)
      .sort();

  it('starts, reuses every resource with its id, and keeps the burst the first one started', async () => {
    // Prepare: the first runtime provisions the emulator and starts a burst, then stops.
    first = await startHarness({ endpoint: moto.endpoint });
    const startsAt = new Date().toISOString();
    const fired = await first.post(
      'alertmanager',
      alertmanagerBody({
        workload: 'burst-drain',
        status: 'firing',
        fingerprint: 'cafe000000000001',
        startsAt,
      }),
    );
    expect(fired.status).toBe(202);
    const harness = first;
    const tasks = await eventually(async () => {
      const state = await harness.store.load('burst-drain');
      const recorded = Object.values(state.tasks).map((t) => t.taskArn);
      return recorded.length === 2 && state.pendingLaunches.length === 0 ? recorded.sort() : undefined;
    }, 'the first runtime to record its burst');
    const provisioned = first.runtime.provisioned;
    await first.runtime.stop();
    first = undefined;

    // Act: a second start against the same emulator.
    second = await startHarness({ endpoint: moto.endpoint });
    await second.runtime.reconcileNow();

    // Assess: the same names and ids, nothing made twice, and the burst still running and recorded.
    expect(second.runtime.provisioned).toEqual(provisioned);
    const ec2 = new EC2Client(clientConfig('us-west-2', moto.endpoint));
    const vpcs = await ec2.send(
      new DescribeVpcsCommand({ Filters: [{ Name: 'tag:Name', Values: ['spillway-burst'] }] }),
    );
    expect(vpcs.Vpcs?.map((v) => v.VpcId)).toEqual([provisioned.burstNetworks['us-west-2']?.vpcId]);
    const revisions = await second
      .ecs('us-west-2')
      .send(new ListTaskDefinitionsCommand({ familyPrefix: 'burst-drain' }));
    expect(revisions.taskDefinitionArns).toHaveLength(1);
    const machines = await second.sfn('us-west-2').send(new ListStateMachinesCommand({}));
    expect(machines.stateMachines?.map((m) => m.stateMachineArn)).toEqual([
      provisioned.drainStateMachines['us-west-2'],
    ]);
    expect(await running(second)).toEqual(tasks);
    const state = await second.store.load('burst-drain');
    expect(
      Object.values(state.tasks)
        .filter((t) => t.status === 'running')
        .map((t) => t.taskArn)
        .sort(),
    ).toEqual(tasks);
  });
});
