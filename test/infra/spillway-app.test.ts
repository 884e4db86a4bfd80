import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, it } from 'vitest';
import { DeployEnvironmentError } from '../../infra/deploy-environment';
import { ConfigError } from '../../src/config/load';
import { buildTestApp, burstStackIn, removeTemporaryDirectories, writeConfigVariant } from './synth-spillway';

afterAll(removeTemporaryDirectories);

const repositoryRoot = fileURLToPath(new URL('../..', import.meta.url));

describe.each(['dev', 'staging', 'prod'] as const)('the Spillway app (%s)', (environment) => {
  it('creates the control-plane stack and one burst stack per distinct burst region', () => {
    // Act
    const { control, burst, config } = buildTestApp({ environment });

    // Assess
    expect(control.stackName).toBe(`Spillway-${environment}-control`);
    expect(control.region).toBe(config.controlRegion);
    expect([...burst.values()].map((s) => s.stackName)).toEqual([
      `Spillway-${environment}-burst-eu-west-1`,
      `Spillway-${environment}-burst-eu-north-1`,
    ]);
    expect(control.dependencies.map((s) => s.stackName).sort()).toEqual(
      [...burst.values()].map((s) => s.stackName).sort(),
    );
    expect(control.terminationProtection).toBe(environment === 'prod');
  });

  it('has the expected number of each resource in each stack', () => {
    // Prepare
    const stacks = buildTestApp({ environment });

    // Act
    const control = Template.fromStack(stacks.control);
    const euWest1 = Template.fromStack(burstStackIn(stacks, 'eu-west-1'));
    const { emails, https } = stacks.config.notifications;
    const subscribed = emails.length + https.length > 0;

    // Assess
    const expectedControl = {
      'AWS::Lambda::Function': 3,
      'AWS::DynamoDB::Table': 1,
      // The signals queue and its DLQ, and the alarm topic's dead-letter queue when anyone subscribes.
      'AWS::SQS::Queue': 2 + (subscribed ? 1 : 0),
      'AWS::SecretsManager::Secret': 1,
      // The dead-letter and queue-age alarms, errors and throttles of three functions, API 5xx,
      // and a failed-drain and an open-breaker alarm per burst region, a crash-loop, a
      // reconcile-error and a failed-drill alarm per workload.
      'AWS::CloudWatch::Alarm': 9 + 2 * stacks.burst.size + 3 * stacks.config.workloads.length,
      'AWS::CloudWatch::Dashboard': 1,
      'AWS::SNS::Topic': 1,
      'AWS::KMS::Key': 1,
      'AWS::Events::Rule': 3,
      'AWS::ApiGatewayV2::Api': 1,
      // POST /webhooks/{source} and POST /heartbeats/{site}, one integration.
      'AWS::ApiGatewayV2::Route': 2,
      'AWS::ApiGatewayV2::Stage': 1,
      'AWS::Lambda::EventSourceMapping': 1,
      // Deciding's burst policy, and reconciling's on top of it.
      'AWS::IAM::ManagedPolicy': 2,
      // Staging declares a maintenance window: its schedules send as a role of their own.
      'AWS::IAM::Role': environment === 'staging' ? 4 : 3,
      'AWS::Scheduler::Schedule': environment === 'staging' ? 2 : 0,
      'AWS::Logs::LogGroup': 4,
    };
    for (const [type, count] of Object.entries(expectedControl)) control.resourceCountIs(type, count);
    const expectedBurst = {
      'AWS::ECS::Cluster': 1,
      'AWS::ECS::TaskDefinition': 1,
      'AWS::DynamoDB::Table': 1,
      'AWS::StepFunctions::StateMachine': 1,
      'AWS::Events::Rule': 1,
      // The forwarding rule's dead-letter queue, and the alarm topic's when anyone subscribes.
      'AWS::SQS::Queue': 1 + (subscribed ? 1 : 0),
      'AWS::IAM::Role': 4,
      'AWS::Logs::LogGroup': 2,
      'AWS::Lambda::Function': 0,
      // Drain executions failed and timed out, and task events not forwarded, on its own topic.
      'AWS::CloudWatch::Alarm': 3,
      'AWS::SNS::Topic': 1,
    };
    for (const [type, count] of Object.entries(expectedBurst)) euWest1.resourceCountIs(type, count);
  });
});

describe('choosing the environment', () => {
  it.each([
    ['missing', undefined],
    ['unknown', 'qa'],
    ['local, which only the emulator runs', 'local'],
  ])('fails clearly when env is %s, listing the allowed values', (_, environment) => {
    // Act
    const act = () => buildTestApp({ environment });

    // Assess
    expect(act).toThrow(DeployEnvironmentError);
    expect(act).toThrow('-c env=<dev|staging|prod>');
  });

  it('fails when the config file declares another environment', () => {
    // Prepare
    const configDirectory = writeConfigVariant('staging', (document) => {
      document.environment = 'prod';
    });

    // Act
    const act = () => buildTestApp({ environment: 'staging', configDirectory });

    // Assess
    expect(act).toThrow(/declares environment prod, but -c env=staging was given/);
  });

  it('exits the CDK app with the allowed values, and no stack trace, when env is missing', () => {
    // Act
    const result = spawnSync('npx', ['tsx', 'infra/app.ts'], { cwd: repositoryRoot, encoding: 'utf8' });

    // Assess
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('pass -c env=<dev|staging|prod> (it is not set)');
    expect(result.stderr).not.toContain('    at ');
  });
});

describe('an invalid config', () => {
  it('fails synth with a message naming the field path', () => {
    // Prepare
    const configDirectory = writeConfigVariant('dev', (document) => {
      const [workload] = document.workloads;
      if (workload) workload.maxBurstTasks = -1;
    });

    // Act
    const act = () => buildTestApp({ environment: 'dev', configDirectory });

    // Assess
    expect(act).toThrow(ConfigError);
    expect(act).toThrow(/workloads\[0\]\.maxBurstTasks/);
  });

  it('fails synth on a burst region AWS does not have, naming it and the nearest real ones', () => {
    // Prepare
    const configDirectory = writeConfigVariant('dev', (document) => {
      const region = document.workloads[0]?.burstRegions[0];
      if (region) region.region = 'eu-north-9';
    });

    // Act
    const act = () => buildTestApp({ environment: 'dev', configDirectory });

    // Assess
    expect(act).toThrow(
      'workloads[0].burstRegions[0].region: "eu-north-9" is not an AWS region; nearest: eu-north-1',
    );
  });
});
