import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetQueueAttributesCommand, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alarmRulePattern } from '../../infra/alarm-rule-pattern';
import { clientConfig } from '../../src/adapters/client-config';
import {
  alertmanagerBody,
  eventually,
  type Harness,
  startHarness,
  TOKEN,
  tagValue,
  tasksIn,
} from './harness';

const alarmEvent = (alarmName: string, value: 'ALARM' | 'OK', timestamp: string) => ({
  Source: 'aws.cloudwatch',
  DetailType: 'CloudWatch Alarm State Change',
  Resources: [`arn:aws:cloudwatch:us-east-1:123456789012:alarm:${alarmName}`],
  Detail: JSON.stringify({
    alarmName,
    state: {
      value,
      reason: 'Threshold Crossed: 3 datapoints were greater than the threshold (80.0).',
      timestamp,
    },
    previousState: { value: value === 'ALARM' ? 'OK' : 'ALARM', timestamp },
    configuration: { metrics: [] },
  }),
});

describe('signals into the local runtime', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness();
  });
  afterAll(async () => {
    await harness?.runtime.stop();
  });

  it('told the terminal each step of starting, in order, while it happened', () => {
    // Assess: the first start is minutes of silence without these
    const steps = [
      /^starting the AWS emulator \(moto\) on loopback$/,
      /^emulator up at http:\/\/127\.0\.0\.1:\d+ after \d+\.\d s$/,
      /^provisioning us-east-1: state table spillway-local-state, signals queue and dead-letter queue, alarm rule$/,
      /^provisioning us-west-2: network, ECS cluster spillway-test, \d+ task definition\(s\), drain ledger, drain state machine$/,
      /^provisioning eu-west-1: network, ECS cluster spillway-test, \d+ task definition\(s\), drain ledger, drain state machine$/,
      /^provisioned after \d+\.\d s; loading the functions$/,
    ];
    const said = steps.map((step) => harness.lines.findIndex((line) => step.test(line)));
    expect(said).not.toContain(-1);
    expect([...said].sort((a, b) => a - b)).toEqual(said);
  });

  it('bursts on a CloudWatch alarm event routed by the same rule pattern as the CDK stack', async () => {
    // Prepare
    const events = new EventBridgeClient(clientConfig('us-east-1', harness.runtime.endpoint));
    expect(alarmRulePattern(harness.runtime.provisioned.effectiveConfig)).toMatchObject({
      source: ['aws.cloudwatch'],
      'detail-type': ['CloudWatch Alarm State Change'],
    });

    // Act
    const put = await events.send(
      new PutEventsCommand({
        Entries: [alarmEvent('alarm-driven-p99-latency', 'ALARM', '2026-11-25T10:00:00.000+0000')],
      }),
    );

    // Assess
    expect(put.FailedEntryCount).toBe(0);
    const tasks = await eventually(async () => {
      const found = await tasksIn(harness, 'eu-west-1', 'spillway-test');
      const mine = found.filter((t) => tagValue(t, 'spillway:workload') === 'alarm-driven');
      return mine.length === 1 ? mine : undefined;
    }, 'one alarm-driven task in eu-west-1');
    expect(tasks[0]?.lastStatus).toBe('RUNNING');
    const state = await harness.store.load('alarm-driven');
    expect(Object.keys(state.alerts)).toEqual([
      'cloudwatch:arn:aws:cloudwatch:us-east-1:123456789012:alarm:alarm-driven-p99-latency',
    ]);
  });

  it('does not route alarms the config does not map', async () => {
    // Prepare
    const events = new EventBridgeClient(clientConfig('us-east-1', harness.runtime.endpoint));
    const before = (await harness.store.recentDecisions('alarm-driven')).length;

    // Act
    await events.send(
      new PutEventsCommand({
        Entries: [alarmEvent('unrelated-alarm', 'ALARM', '2026-11-25T10:01:00.000+0000')],
      }),
    );
    await harness.runtime.queueIdle();

    // Assess
    expect((await harness.store.recentDecisions('alarm-driven')).length).toBe(before);
  });

  it('starts nothing extra when the same alert is delivered twice (an Alertmanager HA pair)', async () => {
    // Prepare
    const body = alertmanagerBody({
      workload: 'duplicates',
      status: 'firing',
      fingerprint: 'd00d000000000001',
      startsAt: '2026-11-25T09:00:00.000Z',
    });

    // Act
    const first = await harness.post('alertmanager', body);
    const second = await harness.post('alertmanager', body);
    await eventually(async () => {
      const decisions = await harness.store.recentDecisions('duplicates');
      return decisions.some((d) => d.action.kind === 'ignored') ? decisions : undefined;
    }, 'the duplicate to be logged as ignored');
    await harness.runtime.reconcileNow();

    // Assess
    expect(first.status).toBe(202);
    expect(second.status).toBe(202);
    const tasks = (await tasksIn(harness, 'us-west-2', 'spillway-test')).filter(
      (t) => tagValue(t, 'spillway:workload') === 'duplicates',
    );
    expect(tasks).toHaveLength(3);
    const decisions = await harness.store.recentDecisions('duplicates');
    const ignored = decisions.filter((d) => d.action.kind === 'ignored');
    expect(ignored).toHaveLength(1);
    expect(ignored[0]?.reason).toBe('ignored: 1 duplicate signal(s) already applied');
    expect(decisions.filter((d) => d.action.kind === 'scale_out')).toHaveLength(1);
  });

  it('moves a poison message to the dead-letter queue while the rest of its batch is processed', async () => {
    // Prepare
    const good = alertmanagerBody({
      workload: 'burst-drain',
      status: 'firing',
      fingerprint: 'feed000000000001',
      startsAt: '2026-11-25T09:30:00.000Z',
    });
    const dlqUrl = harness.runtime.provisioned.signalsDlqUrl;

    // Act: the poison message shares a batch with a valid one.
    await harness.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: harness.runtime.provisioned.signalsQueueUrl,
        Entries: [{ Id: 'poison', MessageBody: '{"kind":"signal","version":1,"signal":{"workload":42}}' }],
      }),
    );
    const response = await harness.post('alertmanager', good);

    // Assess
    expect(response.status).toBe(202);
    await eventually(async () => {
      const tasks = (await tasksIn(harness, 'us-west-2', 'spillway-test')).filter(
        (t) => tagValue(t, 'spillway:workload') === 'burst-drain',
      );
      return tasks.length === 2 ? tasks : undefined;
    }, 'the valid signal to burst');
    await eventually(
      async () => {
        const attributes = await harness.sqs.send(
          new GetQueueAttributesCommand({
            QueueUrl: dlqUrl,
            AttributeNames: ['ApproximateNumberOfMessages'],
          }),
        );
        return attributes.Attributes?.ApproximateNumberOfMessages === '1' ? true : undefined;
      },
      'the poison message in the dead-letter queue',
      40_000,
    );
    expect(harness.lines.some((line) => /to retry/.test(line) && !/0 to retry/.test(line))).toBe(true);
  });

  it('answers bad deliveries with a specific error and queues nothing', async () => {
    const valid = alertmanagerBody({
      workload: 'duplicates',
      status: 'firing',
      fingerprint: 'bad0000000000001',
      startsAt: '2026-11-25T09:00:00.000Z',
    });
    const cases: { name: string; send: () => Promise<Response>; status: number; error: string }[] = [
      {
        name: 'no token',
        send: () => harness.post('alertmanager', valid, { authorization: '' }),
        status: 401,
        error: 'unauthorized',
      },
      {
        name: 'wrong token',
        send: () => harness.post('alertmanager', valid, { authorization: `Bearer ${TOKEN}x` }),
        status: 401,
        error: 'unauthorized',
      },
      {
        name: 'unknown source',
        send: () => harness.post('pagerduty', valid),
        status: 404,
        error: 'unknown_source',
      },
      {
        name: 'not JSON',
        send: () => harness.post('alertmanager', '{"version":'),
        status: 400,
        error: 'malformed_json',
      },
      {
        name: 'wrong content type',
        send: () => harness.post('alertmanager', valid, { 'content-type': 'text/plain' }),
        status: 415,
        error: 'unsupported_media_type',
      },
      {
        name: 'schema violation',
        send: () =>
          harness.post('alertmanager', { ...valid, alerts: [{ ...valid.alerts[0], startsAt: 'yesterday' }] }),
        status: 400,
        error: 'malformed',
      },
      {
        name: 'unknown workload',
        send: () =>
          harness.post(
            'alertmanager',
            alertmanagerBody({
              workload: 'nope',
              status: 'firing',
              fingerprint: 'x',
              startsAt: '2026-11-25T09:00:00Z',
            }),
          ),
        status: 422,
        error: 'unknown_workload',
      },
    ];
    for (const testCase of cases) {
      const response = await testCase.send();
      const body = (await response.json()) as { error: string; message: string };
      expect({ name: testCase.name, status: response.status, error: body.error }).toEqual({
        name: testCase.name,
        status: testCase.status,
        error: testCase.error,
      });
      expect(body.message.length).toBeGreaterThan(5);
    }
    const schema = await (
      await harness.post('alertmanager', {
        ...valid,
        alerts: [{ ...valid.alerts[0], startsAt: 'yesterday' }],
      })
    ).json();
    expect(schema).toMatchObject({ fields: ['alerts[0].startsAt'] });
  });
});
