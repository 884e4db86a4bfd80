import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { ContextAttribute } from 'aws-cdk-lib/aws-scheduler';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { describe, expect, it } from 'vitest';
import { DrillSchedules } from '../../infra/constructs/drill-schedules';
import { parseConfig } from '../../src/config/load';
import type { SpillwayConfig } from '../../src/config/schema';
import { SCHEDULED_TIME } from '../../src/core/drill-schedule';
import { parseQueueMessage } from '../../src/usecases/parse-queue-message';
import { cdkJsonContext, TEST_ACCOUNT } from './synth-spillway';

const burstRegion = {
  region: 'eu-west-1',
  cluster: 'spillway-burst',
  taskDefinition: { family: 'app', image: 'nginx', cpu: 256, memoryMiB: 512, containerPort: 8080 },
  network: { subnets: ['subnet-1'], securityGroups: ['sg-1'] },
};

/** checkout-api and search-api, with the given drills. */
function configWith(drills?: Record<string, unknown>): SpillwayConfig {
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
      ...(drills ? { drills } : {}),
    },
    'test',
  );
}

function synth(config: SpillwayConfig) {
  const app = new App({ context: cdkJsonContext() });
  const stack = new Stack(app, 'Control', { env: { account: TEST_ACCOUNT, region: 'eu-central-1' } });
  const queue = new Queue(stack, 'SignalsQueue', { encryption: QueueEncryption.SQS_MANAGED });
  const dlq = new Queue(stack, 'SignalsDlq', { encryption: QueueEncryption.SQS_MANAGED });
  new DrillSchedules(stack, 'DrillSchedules', { config, queue, deadLetterQueue: dlq });
  return Template.fromStack(stack);
}

describe('readiness drill schedules', () => {
  it('creates one recurring schedule per drilled workload, sending the drill command to the signals queue', () => {
    // Act
    const template = synth(configWith({ schedule: 'rate(7 days)', workloads: ['checkout-api'] }));

    // Assess
    template.resourceCountIs('AWS::Scheduler::Schedule', 1);
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      Name: 'drill-checkout-api',
      GroupName: 'spillway-staging-drills',
      ScheduleExpression: 'rate(7 days)',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: Match.objectLike({
        DeadLetterConfig: Match.objectLike({ Arn: Match.anyValue() }),
        Input: Match.stringLikeRegexp('"action":"drill"'),
      }),
    });
  });

  it('sends a body whose id and issue time Scheduler fills with the firing time, which the decide function accepts', () => {
    // Prepare
    const config = configWith({ schedule: 'cron(0 3 ? * TUE *)' });
    const template = synth(config);
    const [schedule] = Object.values(template.findResources('AWS::Scheduler::Schedule'));
    const input = (schedule?.Properties as { Target: { Input: string } } | undefined)?.Target.Input ?? '';

    // Act: what Scheduler delivers at 03:00 on a Tuesday.
    const delivered = input.replaceAll(SCHEDULED_TIME, '2026-12-08T03:00:00Z');
    const parsed = parseQueueMessage(delivered, config);

    // Assess
    expect(SCHEDULED_TIME).toBe(ContextAttribute.scheduledTime);
    template.resourceCountIs('AWS::Scheduler::Schedule', 2);
    expect(parsed).toMatchObject({
      ok: true,
      commands: [
        {
          id: expect.stringMatching(/^drill-sched-(checkout|search)-api-2026-12-08T03:00:00Z$/),
          action: 'drill',
          requestedBy: 'drill-schedule',
          issuedAt: '2026-12-08T03:00:00.000Z',
        },
      ],
    });
  });

  it('creates nothing without drills', () => {
    // Act
    const template = synth(configWith());

    // Assess
    template.resourceCountIs('AWS::Scheduler::Schedule', 0);
    template.resourceCountIs('AWS::Scheduler::ScheduleGroup', 0);
  });

  it.each([
    ['rate(5 minutes)', /at least an hour/],
    ['rate(1 days)', /rate\(1 day\) for one/],
    ['every tuesday', /must be rate/],
  ])('refuses the schedule %s', (schedule, message) => {
    // Act / Assess
    expect(() => configWith({ schedule })).toThrow(message);
  });

  it('refuses a drilled workload that does not exist', () => {
    // Act / Assess
    expect(() => configWith({ schedule: 'rate(1 day)', workloads: ['checkout'] })).toThrow(
      /drills\.workloads\[0\]: drills name unknown workload checkout/,
    );
  });
});
