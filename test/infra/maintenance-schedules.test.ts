import { App, type CfnElement, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { afterAll, describe, expect, it } from 'vitest';
import { MaintenanceSchedules } from '../../infra/constructs/maintenance-schedules';
import { scheduleNameOf } from '../../infra/constructs/queue-schedule';
import { parseConfig } from '../../src/config/load';
import type { SpillwayConfig } from '../../src/config/schema';
import { maintenanceSchedule, scheduledMessageBody } from '../../src/core/maintenance';
import {
  actionsOf,
  buildTestApp,
  cdkJsonContext,
  removeTemporaryDirectories,
  repositoryConfig,
  resourcesOf,
  resourcesOfStatement,
  statementsOfRole,
  TEST_ACCOUNT,
  TEST_NOW,
} from './synth-spillway';

afterAll(removeTemporaryDirectories);

const SYNTH_AT = new Date('2026-11-25T12:00:00Z');

const burstRegion = {
  region: 'eu-west-1',
  cluster: 'spillway-burst',
  taskDefinition: { family: 'app', image: 'nginx', cpu: 256, memoryMiB: 512, containerPort: 8080 },
  network: { subnets: ['subnet-1'], securityGroups: ['sg-1'] },
};

/** checkout-api and search-api at home in onprem-dc1, with the given windows. */
function configWith(maintenanceWindows: Record<string, unknown>[]): SpillwayConfig {
  return parseConfig(
    {
      environment: 'staging',
      controlRegion: 'eu-central-1',
      sites: [{ id: 'onprem-dc1', kind: 'onprem' }],
      workloads: ['checkout-api', 'search-api'].map((name) => ({
        name,
        homeSite: 'onprem-dc1',
        burstRegions: [burstRegion],
        maxBurstTasks: 4,
      })),
      signals: {},
      maintenanceWindows,
    },
    'test',
  );
}

const december = {
  name: 'dc1-patching',
  site: 'onprem-dc1',
  start: '2026-12-01T02:00:00Z',
  end: '2026-12-01T06:00:00Z',
};

/** The construct alone in a control-plane-like stack, synthesised at SYNTH_AT unless told. */
function synth(config: SpillwayConfig, now = SYNTH_AT) {
  const app = new App({ context: cdkJsonContext() });
  const stack = new Stack(app, 'Control', { env: { account: TEST_ACCOUNT, region: 'eu-central-1' } });
  const queue = new Queue(stack, 'SignalsQueue', { encryption: QueueEncryption.SQS_MANAGED });
  const dlq = new Queue(stack, 'SignalsDlq', { encryption: QueueEncryption.SQS_MANAGED });
  const schedules = new MaintenanceSchedules(stack, 'MaintenanceSchedules', {
    config,
    queue,
    deadLetterQueue: dlq,
    now,
  });
  const id = (element: { node: { defaultChild?: unknown } }) =>
    stack.getLogicalId(element.node.defaultChild as CfnElement);
  return {
    stack,
    schedules,
    template: Template.fromStack(stack),
    queueId: id(queue),
    dlqId: id(dlq),
  };
}

const schedulesOf = (template: Template) =>
  Object.values(resourcesOf(template, 'AWS::Scheduler::Schedule')).map((s) => s.Properties);

describe('MaintenanceSchedules', () => {
  it('schedules one evacuation before the window and one end at it, per workload, at UTC wall-clock times', () => {
    // Act
    const { template } = synth(configWith([december]));

    // Assess
    const expressions = schedulesOf(template).map((s) => [
      String(s.Name).replace(/^mw-dc1-patching-[0-9a-f]{8}-/, ''),
      s.ScheduleExpression,
      s.ScheduleExpressionTimezone,
    ]);
    expect(expressions.sort()).toEqual([
      ['checkout-api-end', 'at(2026-12-01T06:00:00)', 'Etc/UTC'],
      ['checkout-api-evacuate', 'at(2026-12-01T01:45:00)', 'Etc/UTC'],
      ['search-api-end', 'at(2026-12-01T06:00:00)', 'Etc/UTC'],
      ['search-api-evacuate', 'at(2026-12-01T01:45:00)', 'Etc/UTC'],
    ]);
  });

  it('sends each command on time to the signals queue, the exact body the local timer sends, dead-lettering what it cannot deliver', () => {
    // Prepare
    const config = configWith([december]);
    const { template, queueId, dlqId } = synth(config);
    const bodies = maintenanceSchedule(config).map(scheduledMessageBody);

    // Assess
    const schedules = schedulesOf(template);
    expect(schedules.map((s) => (s.Target as { Input: string }).Input).sort()).toEqual([...bodies].sort());
    for (const schedule of schedules) {
      expect(schedule.FlexibleTimeWindow).toEqual({ Mode: 'OFF' });
      expect(schedule.GroupName).toBe('spillway-staging-maintenance');
      expect(schedule.State).toBe('ENABLED');
      expect(schedule.Target).toMatchObject({
        Arn: { 'Fn::GetAtt': [queueId, 'Arn'] },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [dlqId, 'Arn'] } },
        RetryPolicy: { MaximumRetryAttempts: 20 },
      });
    }
  });

  it('keeps delivering a late evacuation while the window lasts, a late end for an hour', () => {
    // Act
    const { template } = synth(configWith([december]));

    // Assess
    const ages = Object.fromEntries(
      schedulesOf(template).map((s) => [
        String(s.Name).replace(/^.*-(evacuate|end)$/, '$1'),
        (s.Target as { RetryPolicy: { MaximumEventAgeInSeconds: number } }).RetryPolicy
          .MaximumEventAgeInSeconds,
      ]),
    );
    expect(ages).toEqual({ evacuate: 4 * 3600 + 900, end: 3600 });
  });

  it('lets only Scheduler, for this account and group, assume a role that can only send to the two queues', () => {
    // Prepare
    const { template, schedules, stack, queueId, dlqId } = synth(configWith([december]));
    const roleId = stack.getLogicalId(schedules.role?.node.defaultChild as CfnElement);
    const groupId = stack.getLogicalId(schedules.group?.node.defaultChild as CfnElement);

    // Assess
    const statements = statementsOfRole(template, roleId);
    expect(new Set(actionsOf(statements))).toEqual(new Set(['sqs:SendMessage']));
    expect(statements.every((s) => s.Effect === 'Allow' && s.Condition === undefined)).toBe(true);
    expect(statements.flatMap(resourcesOfStatement)).toEqual(
      expect.arrayContaining([{ 'Fn::GetAtt': [queueId, 'Arn'] }, { 'Fn::GetAtt': [dlqId, 'Arn'] }]),
    );
    expect(new Set(statements.flatMap(resourcesOfStatement).map((r) => JSON.stringify(r))).size).toBe(2);
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Action: 'sts:AssumeRole',
            Effect: 'Allow',
            Principal: { Service: 'scheduler.amazonaws.com' },
            Condition: {
              StringEquals: {
                'aws:SourceAccount': TEST_ACCOUNT,
                'aws:SourceArn': { 'Fn::GetAtt': [groupId, 'Arn'] },
              },
            },
          },
        ],
      },
    });
    template.resourceCountIs('AWS::IAM::Role', 1);
    for (const schedule of schedulesOf(template))
      expect(schedule.Target).toMatchObject({ RoleArn: { 'Fn::GetAtt': [roleId, 'Arn'] } });
  });

  it('creates every schedule after the policy that lets it send', () => {
    // Act
    const { template } = synth(configWith([december]));

    // Assess
    const policyId = Object.keys(resourcesOf(template, 'AWS::IAM::Policy'))[0];
    const schedules = template.findResources('AWS::Scheduler::Schedule');
    for (const schedule of Object.values(schedules)) expect(schedule.DependsOn).toContain(policyId);
  });

  it('skips a window that has ended, with a warning saying why', () => {
    // Act
    const { template, stack } = synth(configWith([december]), new Date('2026-12-01T06:00:00Z'));

    // Assess
    template.resourceCountIs('AWS::Scheduler::Schedule', 0);
    template.resourceCountIs('AWS::Scheduler::ScheduleGroup', 0);
    template.resourceCountIs('AWS::IAM::Role', 0);
    Annotations.fromStack(stack).hasWarning(
      '/Control/MaintenanceSchedules',
      Match.stringLikeRegexp(
        'maintenance window dc1-patching .* ended .* a one-time schedule in the past never fires',
      ),
    );
  });

  it('for a window under way, schedules only its end, and warns that the evacuation must be sent by hand', () => {
    // Act
    const { template, stack } = synth(configWith([december]), new Date('2026-12-01T03:00:00Z'));

    // Assess
    expect(schedulesOf(template).map((s) => s.ScheduleExpression)).toEqual([
      'at(2026-12-01T06:00:00)',
      'at(2026-12-01T06:00:00)',
    ]);
    Annotations.fromStack(stack).hasWarning(
      '/Control/MaintenanceSchedules',
      Match.stringLikeRegexp('under way: the evacuation of checkout-api was due at 2026-12-01T01:45:00.000Z'),
    );
  });

  it('creates nothing at all without a window: no group, no role, no warning', () => {
    // Act
    const { template, stack, schedules } = synth(configWith([]));

    // Assess
    for (const type of ['AWS::Scheduler::Schedule', 'AWS::Scheduler::ScheduleGroup', 'AWS::IAM::Role'])
      template.resourceCountIs(type, 0);
    expect(schedules.schedules).toEqual([]);
    Annotations.fromStack(stack).hasNoWarning('*', Match.anyValue());
  });

  it('names schedules within 64 characters, uniquely, even for the longest window and workload names', () => {
    // Prepare
    const long = (prefix: string) => `${prefix}${'x'.repeat(40 - prefix.length)}`;
    const ids = ['a', 'b'].flatMap((w) =>
      ['evacuate', 'end'].map(
        (action) => `mw-${long('window-')}-0123abcd-${long(`workload-${w}-`)}-${action}`,
      ),
    );

    // Act
    const names = ids.map(scheduleNameOf);

    // Assess
    for (const name of names) expect(name).toMatch(/^[0-9A-Za-z_.-]{1,64}$/);
    expect(new Set(names).size).toBe(ids.length);
    expect(scheduleNameOf('mw-short-0123abcd-app-end')).toBe('mw-short-0123abcd-app-end');
  });
});

describe('maintenance schedules in the deployed app', () => {
  it.each(['dev', 'staging', 'prod'] as const)(
    'schedules the upcoming commands of config/%s.yaml on the control plane, targeting its signals queue',
    (environment) => {
      // Prepare
      const config = repositoryConfig(environment);
      const upcoming = maintenanceSchedule(config).filter((s) => Date.parse(s.dueAt) > TEST_NOW.getTime());

      // Act
      const { control } = buildTestApp({ environment });
      const template = Template.fromStack(control);

      // Assess
      const schedules = schedulesOf(template);
      expect(schedules.map((s) => (s.Target as { Input: string }).Input).sort()).toEqual(
        upcoming.map(scheduledMessageBody).sort(),
      );
      for (const schedule of schedules)
        expect(schedule.Target).toMatchObject({
          Arn: { 'Fn::GetAtt': [expect.stringMatching(/SignalsQueue/), 'Arn'] },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [expect.stringMatching(/SignalsDlq/), 'Arn'] } },
        });
      template.resourceCountIs('AWS::Scheduler::ScheduleGroup', upcoming.length > 0 ? 1 : 0);
    },
  );
});
