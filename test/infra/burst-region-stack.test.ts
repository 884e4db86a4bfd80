import type { CfnElement } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { burstTopology } from '../../infra/burst-topology';
import {
  FORWARDING_MAX_EVENT_AGE,
  FORWARDING_RETRY_ATTEMPTS,
} from '../../infra/constructs/task-state-forwarding';
import type { SpillwayStacks } from '../../infra/spillway-app';
import { resourceNames } from '../../src/runtime/env-names';
import { drainWorkflowDefinition } from '../../src/workflow/drain-definition';
import {
  actionsOf,
  buildTestApp,
  burstStackIn,
  removeTemporaryDirectories,
  repositoryConfig,
  resourcesOf,
  statementsOfRole,
  TEST_ACCOUNT,
  writeConfigVariant,
} from './synth-spillway';

afterAll(removeTemporaryDirectories);

describe.each(['dev', 'staging', 'prod'] as const)('burst region stacks (%s)', (environment) => {
  let stacks: SpillwayStacks;
  const names = resourceNames(environment);

  beforeAll(() => {
    // Prepare: one synthesis per environment serves every assertion below.
    stacks = buildTestApp({ environment });
  });

  it('has one stack per distinct burst region, deployed to that region', () => {
    // Prepare
    const regions = [...new Set(stacks.config.workloads.flatMap((w) => w.burstRegions.map((b) => b.region)))];

    // Assess
    expect([...stacks.burst.keys()]).toEqual(regions);
    for (const [region, stack] of stacks.burst) {
      expect(stack.stackName).toBe(`Spillway-${environment}-burst-${region}`);
      expect(stack.region).toBe(region);
    }
  });

  describe.each(burstTopology(repositoryConfig(environment)))('in $region', (topology) => {
    let template: Template;

    beforeAll(() => {
      // Prepare
      template = Template.fromStack(burstStackIn(stacks, topology.region));
    });

    it('forwards state changes of its burst tasks to the control region event bus', () => {
      // Assess
      template.hasResourceProperties('AWS::Events::Rule', {
        EventPattern: {
          source: ['aws.ecs'],
          'detail-type': ['ECS Task State Change'],
          detail: { startedBy: ['spillway'], clusterArn: Match.anyValue() },
        },
        Targets: [
          Match.objectLike({
            Arn: Match.stringLikeRegexp(
              `:events:${stacks.config.controlRegion}:${TEST_ACCOUNT}:event-bus/default$`,
            ),
            // What the control bus refuses is retried for a bounded time, then kept, never dropped.
            DeadLetterConfig: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('DeadLetterQueue'), 'Arn'] } },
            RetryPolicy: {
              MaximumRetryAttempts: FORWARDING_RETRY_ATTEMPTS,
              MaximumEventAgeInSeconds: FORWARDING_MAX_EVENT_AGE.toSeconds(),
            },
          }),
        ],
      });
      // Only EventBridge in this account, acting for this very rule, may use the forwarding role.
      template.hasResourceProperties('AWS::IAM::Role', {
        AssumeRolePolicyDocument: {
          Statement: [
            Match.objectLike({
              Principal: { Service: 'events.amazonaws.com' },
              Condition: {
                StringEquals: { 'aws:SourceAccount': TEST_ACCOUNT },
                ArnEquals: {
                  'aws:SourceArn': `arn:aws:events:${topology.region}:${TEST_ACCOUNT}:rule/spillway-${environment}-task-state-forwarding`,
                },
              },
            }),
          ],
        },
      });
      // EventBridge may write to the dead-letter queue, from this rule only.
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Action: 'sqs:SendMessage',
              Principal: { Service: 'events.amazonaws.com' },
              Condition: { ArnEquals: { 'aws:SourceArn': Match.anyValue() } },
            }),
          ]),
        },
      });
    });

    it('runs one ECS cluster per cluster name, with Container Insights', () => {
      // Assess
      template.resourceCountIs('AWS::ECS::Cluster', topology.clusterNames.length);
      for (const clusterName of topology.clusterNames) {
        template.hasResourceProperties('AWS::ECS::Cluster', {
          ClusterName: clusterName,
          ClusterSettings: [{ Name: 'containerInsights', Value: 'enabled' }],
        });
      }
    });

    it('defines one Fargate task per workload, with an app container logging to CloudWatch', () => {
      // Assess
      template.resourceCountIs('AWS::ECS::TaskDefinition', topology.placements.length);
      for (const { burstRegion } of topology.placements) {
        const spec = burstRegion.taskDefinition;
        template.hasResourceProperties('AWS::ECS::TaskDefinition', {
          Family: spec.family,
          Cpu: String(spec.cpu),
          Memory: String(spec.memoryMiB),
          RequiresCompatibilities: ['FARGATE'],
          NetworkMode: 'awsvpc',
          ExecutionRoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('TaskExecutionRole'), 'Arn'] },
          ContainerDefinitions: [
            Match.objectLike({
              Name: 'app',
              Image: spec.image,
              PortMappings: [{ ContainerPort: spec.containerPort, Protocol: 'tcp' }],
              LogConfiguration: Match.objectLike({ LogDriver: 'awslogs' }),
            }),
          ],
        });
      }
    });

    it('names the task roles so that the control plane can pass them', () => {
      // Assess
      template.hasResourceProperties('AWS::IAM::Role', {
        RoleName: names.taskExecutionRole(topology.region),
      });
      template.hasResourceProperties('AWS::IAM::Role', {
        RoleName: `spillway-${environment}-burst-task-${topology.region}`,
      });
    });

    it('keeps the drain ledger: taskArn key, on demand, TTL, point-in-time recovery', () => {
      // Assess
      template.resourceCountIs('AWS::DynamoDB::Table', 1);
      template.hasResourceProperties('AWS::DynamoDB::Table', {
        TableName: names.drainLedgerTable,
        KeySchema: [{ AttributeName: 'taskArn', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      });
    });

    it('deploys the one drain workflow definition, logged in full and traced', () => {
      // Prepare
      const [stateMachine] = Object.values(resourcesOf(template, 'AWS::StepFunctions::StateMachine'));
      const definition = stateMachine?.Properties.DefinitionString as string;

      // Assess
      template.resourceCountIs('AWS::StepFunctions::StateMachine', 1);
      expect(stateMachine?.Properties).toMatchObject({
        StateMachineName: names.drainStateMachine,
        StateMachineType: 'STANDARD',
        TracingConfiguration: { Enabled: true },
        LoggingConfiguration: { Level: 'ALL', IncludeExecutionData: true },
      });
      expect(JSON.parse(definition)).toEqual(drainWorkflowDefinition());
      expect(definition).toContain('arn:aws:states:::aws-sdk:ecs:stopTask');
      expect(definition).toContain('arn:aws:states:::dynamodb:updateItem');
    });

    it('lets the drain workflow write its ledger and stop tasks in this region’s clusters only', () => {
      // Prepare
      const clusterArns = topology.clusterNames.map(
        (cluster) => `arn:aws:ecs:${topology.region}:${TEST_ACCOUNT}:cluster/${cluster}`,
      );

      // Assess
      template.hasResourceProperties('AWS::IAM::Policy', {
        Roles: [{ Ref: Match.stringLikeRegexp('StateMachineRole') }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Action: 'dynamodb:UpdateItem',
              Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('LedgerTable'), 'Arn'] },
            }),
            Match.objectLike({
              Action: ['ecs:DescribeTasks', 'ecs:StopTask'],
              Condition: { ArnEquals: { 'ecs:cluster': clusterArns } },
            }),
          ]),
        },
      });
      expect(JSON.stringify(template.toJSON())).not.toContain('elasticloadbalancing:');
    });
  });
});

describe('burst stacks with a target group configured', () => {
  const targetGroupArn = `arn:aws:elasticloadbalancing:eu-west-1:${TEST_ACCOUNT}:targetgroup/checkout/0123456789abcdef`;
  let stacks: SpillwayStacks;

  beforeAll(() => {
    // Prepare
    const configDirectory = writeConfigVariant('dev', (document) => {
      const [workload] = document.workloads;
      const euWest1 = workload?.burstRegions.find((b) => b.region === 'eu-west-1');
      if (!euWest1) throw new Error('dev config changed: no eu-west-1 burst region');
      euWest1.targetGroupArn = targetGroupArn;
    });
    stacks = buildTestApp({ environment: 'dev', configDirectory });
  });

  it('lets the drain workflow of that region, and only that one, deregister from it', () => {
    // Act
    const euWest1 = Template.fromStack(burstStackIn(stacks, 'eu-west-1'));
    const euNorth1 = Template.fromStack(burstStackIn(stacks, 'eu-north-1'));

    // Assess
    euWest1.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: 'elasticloadbalancing:DeregisterTargets', Resource: targetGroupArn }),
        ]),
      },
    });
    expect(JSON.stringify(euNorth1.toJSON())).not.toContain('elasticloadbalancing:');
  });

  it('lets only reconcile register burst tasks in that target group, and no function deregister them', () => {
    // Act
    const control = Template.fromStack(stacks.control);
    const { decide, reconcile } = stacks.control.stateless;
    const actionsOfRole = (role: IConstruct) =>
      actionsOf(statementsOfRole(control, stacks.control.getLogicalId(role.node.defaultChild as CfnElement)));

    // Assess
    control.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: 'elasticloadbalancing:RegisterTargets', Resource: targetGroupArn }),
        ]),
      },
    });
    // And reads target health, for a readiness drill waiting for its task to be healthy.
    expect(actionsOfRole(reconcile.role).filter((a) => a.startsWith('elasticloadbalancing:'))).toEqual([
      'elasticloadbalancing:RegisterTargets',
      'elasticloadbalancing:DescribeTargetHealth',
    ]);
    // Deregistering is the drain workflow's; deciding puts no task into a target group.
    expect(actionsOfRole(decide.role).filter((a) => a.startsWith('elasticloadbalancing:'))).toEqual([]);
  });
});
