import { type CfnElement, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alarmRulePattern } from '../../infra/alarm-rule-pattern';
import { burstTopology } from '../../infra/burst-topology';
import type { SpillwayFunction } from '../../infra/constructs/spillway-function';
import type { SpillwayStacks } from '../../infra/spillway-app';
import { ENV, resourceNames } from '../../src/runtime/env-names';
import {
  actionsOf,
  buildTestApp,
  type PolicyStatementJson,
  removeTemporaryDirectories,
  resourcesOf,
  resourcesOfStatement,
  statementsAllowing,
  statementsOfRole,
  TEST_ACCOUNT,
} from './synth-spillway';

afterAll(removeTemporaryDirectories);

describe.each(['dev', 'staging', 'prod'] as const)('control-plane stack (%s)', (environment) => {
  let stacks: SpillwayStacks;
  let template: Template;
  const names = resourceNames(environment);
  const logicalId = (fn: SpillwayFunction, part: 'function' | 'role') =>
    Stack.of(fn).getLogicalId((part === 'function' ? fn.function : fn.role).node.defaultChild as CfnElement);
  const statementsOf = (fn: SpillwayFunction): PolicyStatementJson[] =>
    statementsOfRole(template, logicalId(fn, 'role'));
  const functionProps = (fn: SpillwayFunction) =>
    resourcesOf(template, 'AWS::Lambda::Function')[logicalId(fn, 'function')]?.Properties ?? {};

  beforeAll(() => {
    // Prepare: one synthesis per environment serves every assertion below.
    stacks = buildTestApp({ environment });
    template = Template.fromStack(stacks.control);
  });

  it('is deployed to the control region of the config', () => {
    // Assess
    expect(stacks.control.stackName).toBe(`Spillway-${environment}-control`);
    expect(stacks.control.region).toBe(stacks.config.controlRegion);
  });

  it('holds the state table: pk/sk, on demand, TTL, point-in-time recovery, retained only in prod', () => {
    // Assess
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    template.hasResource('AWS::DynamoDB::Table', {
      Properties: {
        TableName: names.stateTable,
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true },
      },
      DeletionPolicy: environment === 'prod' ? 'Retain' : 'Delete',
    });
  });

  it('redrives signals to the dead-letter queue after five receives', () => {
    // Assess: the signals queue and its dead-letter queue (the alarm topic may have one of its own)
    const named = Object.values(resourcesOf(template, 'AWS::SQS::Queue')).filter((q) =>
      String(q.Properties.QueueName ?? '').startsWith(`spillway-${environment}-signals`),
    );
    expect(named).toHaveLength(2);
    template.hasResourceProperties('AWS::SQS::Queue', {
      QueueName: names.signalsQueue,
      SqsManagedSseEnabled: true,
      RedrivePolicy: {
        deadLetterTargetArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('SignalsDlq'), 'Arn'] },
        maxReceiveCount: 5,
      },
    });
    template.hasResourceProperties('AWS::SQS::Queue', {
      QueueName: names.signalsDlq,
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 14 * 24 * 3600,
    });
  });

  it('denies every queue request that is not over TLS', () => {
    // Assess
    const policies = Object.values(resourcesOf(template, 'AWS::SQS::QueuePolicy'));
    expect(policies).toHaveLength(Object.keys(resourcesOf(template, 'AWS::SQS::Queue')).length);
    for (const policy of policies) {
      expect(JSON.stringify(policy.Properties.PolicyDocument)).toContain('"aws:SecureTransport":"false"');
    }
  });

  it('keeps a signal invisible for at least six times the decide timeout', () => {
    // Prepare
    const decideTimeoutSeconds = functionProps(stacks.control.stateless.decide).Timeout as number;
    const queue = Object.values(resourcesOf(template, 'AWS::SQS::Queue')).find(
      (q) => q.Properties.QueueName === names.signalsQueue,
    );

    // Assess
    expect(decideTimeoutSeconds).toBe(60);
    expect(queue?.Properties.VisibilityTimeout).toBeGreaterThanOrEqual(6 * decideTimeoutSeconds);
  });

  it('feeds decide from the signals queue in batches of ten, reporting partial batch failures', () => {
    // Assess
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 1);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: logicalId(stacks.control.stateless.decide, 'function') },
      EventSourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('SignalsQueue'), 'Arn'] },
      BatchSize: 10,
      MaximumBatchingWindowInSeconds: 1,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('alarms as soon as a signal lands in the dead-letter queue', () => {
    // Assess
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [
        { Name: 'QueueName', Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('SignalsDlq'), 'QueueName'] } },
      ],
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 0,
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
    });
  });

  it('forwards state changes of the mapped CloudWatch alarms to the signals queue', () => {
    // Prepare
    const expected = alarmRulePattern(stacks.config);
    const rules = Object.values(resourcesOf(template, 'AWS::Events::Rule')).filter(
      (r) =>
        (r.Properties.EventPattern as { source?: string[] } | undefined)?.source?.[0] === 'aws.cloudwatch',
    );

    // Assess
    expect(expected).toBeDefined();
    expect(rules).toHaveLength(1);
    const rule = rules[0]?.Properties;
    expect(rule?.EventPattern).toEqual(expected);
    expect(rule?.Targets).toEqual([
      expect.objectContaining({
        Arn: { 'Fn::GetAtt': [expect.stringMatching(/SignalsQueue/), 'Arn'] },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [expect.stringMatching(/SignalsDlq/), 'Arn'] } },
        RetryPolicy: { MaximumRetryAttempts: 10, MaximumEventAgeInSeconds: 3600 },
      }),
    ]);
  });

  it('runs the reconciler every minute', () => {
    // Assess
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [logicalId(stacks.control.stateless.reconcile, 'function'), 'Arn'] },
        }),
      ],
    });
  });

  it('reconciles at once on state changes of burst tasks in the burst clusters', () => {
    // Prepare
    const clusters = stacks.config.workloads.flatMap((w) =>
      w.burstRegions.map((r) => `:ecs:${r.region}:${TEST_ACCOUNT}:cluster/${r.cluster}`),
    );

    // Assess
    const rules = Object.values(resourcesOf(template, 'AWS::Events::Rule')).filter(
      (rule) =>
        (rule.Properties?.EventPattern as { 'detail-type'?: string[] })?.['detail-type']?.[0] ===
        'ECS Task State Change',
    );
    expect(rules).toHaveLength(1);
    const pattern = rules[0]?.Properties?.EventPattern as {
      source: string[];
      detail: { startedBy: string[]; clusterArn: unknown[] };
    };
    expect(pattern.source).toEqual(['aws.ecs']);
    expect(pattern.detail.startedBy).toEqual(['spillway']);
    const arns = JSON.stringify(pattern.detail.clusterArn);
    for (const cluster of new Set(clusters)) expect(arns).toContain(cluster);
    expect(JSON.stringify(rules[0]?.Properties?.Targets)).toContain(
      logicalId(stacks.control.stateless.reconcile, 'function'),
    );
  });

  it('runs every function on nodejs22.x, arm64, traced, with the bundled config and its own log group', () => {
    // Prepare
    const { ingest, decide, reconcile } = stacks.control.stateless;
    const expectedTimeouts = new Map([
      [ingest, 10],
      [decide, 60],
      [reconcile, 60],
    ]);

    // Assess
    template.resourceCountIs('AWS::Lambda::Function', 3);
    for (const [fn, timeoutSeconds] of expectedTimeouts) {
      expect(functionProps(fn)).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        MemorySize: 512,
        Timeout: timeoutSeconds,
        TracingConfig: { Mode: 'Active' },
        LoggingConfig: { LogGroup: { Ref: expect.stringMatching(/LogGroup/) } },
        Environment: {
          Variables: expect.objectContaining({
            [ENV.config]: '/var/task/spillway-config.json',
            POWERTOOLS_SERVICE_NAME: 'spillway',
          }),
        },
      });
    }
  });

  it('routes POST /webhooks/{source} to ingest on a throttled, access-logged default stage', () => {
    // Assess
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'HTTP' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'POST /webhooks/{source}' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationType: 'AWS_PROXY',
      IntegrationUri: { 'Fn::GetAtt': [logicalId(stacks.control.stateless.ingest, 'function'), 'Arn'] },
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
      AccessLogSettings: {
        DestinationArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('AccessLogs'), 'Arn'] },
        Format: Match.stringLikeRegexp('\\$context.requestId'),
      },
    });
  });

  it('keeps the webhook token in a generated secret that only ingest can read', () => {
    // Prepare
    const ingest = stacks.control.stateless.ingest;
    const reads = (fn: SpillwayFunction) =>
      statementsAllowing(statementsOf(fn), 'secretsmanager:GetSecretValue');

    // Assess
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: Match.objectLike({ PasswordLength: 48 }),
      SecretString: Match.absent(),
    });
    expect(functionProps(ingest).Environment).toMatchObject({
      Variables: { [ENV.webhookTokenSecretArn]: { Ref: expect.stringMatching(/WebhookTokenSecret/) } },
    });
    expect(reads(ingest).flatMap(resourcesOfStatement)).toEqual([
      { Ref: expect.stringMatching(/WebhookTokenSecret/) },
    ]);
    expect(reads(stacks.control.stateless.decide)).toEqual([]);
  });

  it('lets ingest send to the signals queue and nothing else in AWS', () => {
    // Prepare
    const ingest = stacks.control.stateless.ingest;
    const statements = statementsOf(ingest);
    const actions = actionsOf(statements);

    // Assess
    expect(
      actions.filter((action) => /^(ecs|dynamodb|states|iam|elasticloadbalancing):/.test(action)),
    ).toEqual([]);
    expect(actions.filter((action) => action.startsWith('sqs:'))).toEqual(['sqs:SendMessage']);
    expect(statementsAllowing(statements, 'sqs:SendMessage').flatMap(resourcesOfStatement)).toEqual([
      { 'Fn::GetAtt': [expect.stringMatching(/SignalsQueue/), 'Arn'] },
    ]);
    expect(functionProps(ingest).Environment).toMatchObject({
      Variables: { [ENV.signalsQueueUrl]: { Ref: expect.stringMatching(/SignalsQueue/) } },
    });
  });

  describe.each(['decide', 'reconcile'] as const)('%s permissions', (name) => {
    const fn = () => stacks.control.stateless[name];
    const topology = () => burstTopology(stacks.config);
    const arn = (service: string, region: string, resource: string) =>
      `arn:aws:${service}:${region}:${TEST_ACCOUNT}:${resource}`;

    it('reads and conditionally writes the state table, and nothing more there', () => {
      // Prepare
      const statements = statementsOf(fn()).filter((s) => JSON.stringify(s.Resource).includes('StateTable'));

      // Assess
      // Transactions are authorised item by item: no TransactWriteItems, which is no IAM action.
      expect(actionsOf(statements).sort()).toEqual([
        'dynamodb:BatchGetItem',
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:Query',
      ]);
    });

    it('starts only the configured task definition families, in the configured clusters', () => {
      // Prepare
      const [runTask, ...others] = statementsAllowing(statementsOf(fn()), 'ecs:RunTask');
      const families = topology().flatMap((t) =>
        t.placements.map((p) =>
          arn('ecs', t.region, `task-definition/${p.burstRegion.taskDefinition.family}:*`),
        ),
      );
      const clusters = topology().flatMap((t) =>
        t.clusterNames.map((c) => arn('ecs', t.region, `cluster/${c}`)),
      );

      // Assess
      expect(others).toEqual([]);
      expect(resourcesOfStatement(runTask as PolicyStatementJson)).not.toContain('*');
      expect([...resourcesOfStatement(runTask as PolicyStatementJson)].sort()).toEqual([...families].sort());
      expect(runTask?.Condition).toEqual({ ArnEquals: { 'ecs:cluster': clusters } });
    });

    it('observes and lists tasks only in the burst clusters, tags them only at launch, and stops none', () => {
      // Prepare
      const statements = statementsOf(fn());
      const clusterCondition = {
        ArnEquals: {
          'ecs:cluster': topology().flatMap((t) =>
            t.clusterNames.map((c) => arn('ecs', t.region, `cluster/${c}`)),
          ),
        },
      };

      // Assess
      for (const action of ['ecs:DescribeTasks', 'ecs:ListTasks']) {
        const allowing = statementsAllowing(statements, action);
        expect(allowing.length, action).toBeGreaterThan(0);
        for (const statement of allowing) expect(statement.Condition, action).toEqual(clusterCondition);
      }
      // Invariant 6: only the drain workflow stops a task.
      expect(statementsAllowing(statements, 'ecs:StopTask')).toEqual([]);
      const [tagging] = statementsAllowing(statements, 'ecs:TagResource');
      expect(tagging?.Condition).toEqual({ StringEquals: { 'ecs:CreateAction': 'RunTask' } });
    });

    it('passes the burst task roles to ECS tasks only', () => {
      // Prepare
      const passRole = statementsAllowing(statementsOf(fn()), 'iam:PassRole');
      const executionRoles = topology().map(
        (t) => `arn:aws:iam::${TEST_ACCOUNT}:role/${names.taskExecutionRole(t.region)}`,
      );

      // Assess
      expect(passRole).toHaveLength(1);
      expect(passRole[0]?.Condition).toEqual({
        StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' },
      });
      expect(resourcesOfStatement(passRole[0] as PolicyStatementJson)).toEqual(
        expect.arrayContaining(executionRoles),
      );
      expect(resourcesOfStatement(passRole[0] as PolicyStatementJson)).not.toContain('*');
    });

    it('starts and cancels drains in every burst region; only the reconciler follows them and reads the ledgers', () => {
      // Prepare
      const statements = statementsOf(fn());
      const regions = topology().map((t) => t.region);
      // Literal ARNs only (the state table is a reference), sorted: policy minimisation reorders them.
      const resources = (action: string) =>
        statementsAllowing(statements, action)
          .flatMap(resourcesOfStatement)
          .filter((r): r is string => typeof r === 'string')
          .sort();

      // Assess
      expect(resources('states:StartExecution')).toEqual(
        regions.map((r) => arn('states', r, `stateMachine:${names.drainStateMachine}`)).sort(),
      );
      const ledgers = regions.map((r) => arn('dynamodb', r, `table/${names.drainLedgerTable}`)).sort();
      const inLedgers = (action: string) =>
        resources(action).filter((r) => r.includes(names.drainLedgerTable));
      expect(inLedgers('dynamodb:UpdateItem')).toEqual(ledgers);
      const reconciling = name === 'reconcile';
      expect(resources('states:DescribeExecution')).toEqual(
        reconciling
          ? regions.map((r) => arn('states', r, `execution:${names.drainStateMachine}:*`)).sort()
          : [],
      );
      expect(inLedgers('dynamodb:BatchGetItem')).toEqual(reconciling ? ledgers : []);
      // Nothing reads single ledger rows.
      expect(inLedgers('dynamodb:GetItem')).toEqual([]);
      expect(inLedgers('dynamodb:Query')).toEqual([]);
      // No target group in these configs: no load balancer permission at all.
      expect(actionsOf(statements).filter((a) => a.startsWith('elasticloadbalancing:'))).toEqual([]);
    });

    it('is told the drain ledger table and the drain state machine of every burst region', () => {
      // Prepare
      const variables = (functionProps(fn()).Environment as { Variables: Record<string, unknown> }).Variables;

      // Assess
      expect(variables[ENV.stateTable]).toEqual({ Ref: expect.stringMatching(/StateTable/) });
      expect(variables[ENV.drainLedgerTable]).toBe(names.drainLedgerTable);
      expect(JSON.parse(variables[ENV.drainStateMachines] as string)).toEqual(
        Object.fromEntries(
          topology().map((t) => [
            t.region,
            arn('states', t.region, `stateMachine:${names.drainStateMachine}`),
          ]),
        ),
      );
    });
  });

  it("attaches deciding's burst policy to decide and reconcile, and reconciling's to reconcile only", () => {
    // Prepare
    const policies = resourcesOf(template, 'AWS::IAM::ManagedPolicy');
    const { decide, reconcile } = stacks.control.stateless;
    const rolesOf = (pattern: RegExp) =>
      Object.entries(policies).find(([id]) => pattern.test(id))?.[1].Properties.Roles;

    // Assess
    expect(Object.keys(policies)).toHaveLength(2);
    expect(rolesOf(/DecidePolicy/)).toEqual([
      { Ref: logicalId(decide, 'role') },
      { Ref: logicalId(reconcile, 'role') },
    ]);
    expect(rolesOf(/ReconcilePolicy/)).toEqual([{ Ref: logicalId(reconcile, 'role') }]);
  });

  it('exports the API URL, the queue URLs and the table name', () => {
    // Assess
    for (const output of ['WebhookApiUrl', 'SignalsQueueUrl', 'SignalsDlqUrl', 'StateTableName']) {
      template.hasOutput(output, {});
    }
  });
});
