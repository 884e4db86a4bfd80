import { type RemovalPolicy, Stack } from 'aws-cdk-lib';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { DefinitionBody, LogLevel, StateMachine, StateMachineType } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { resourceNames } from '../../src/runtime/env-names';
import { drainWorkflowDefinition } from '../../src/workflow/drain-definition';
import { burstArns } from '../burst-arns';
import { acknowledge, acknowledgeWildcardResources } from '../guardrails';

export interface DrainWorkflowProps {
  /** Deployment environment; names the state machine and the ledger table. */
  readonly environment: string;
  /** This region's burst clusters: the workflow stops tasks in these only. */
  readonly clusterNames: readonly string[];
  /** This region's target groups that drains deregister tasks from. */
  readonly targetGroupArns: readonly string[];
  /** How long execution logs are kept. */
  readonly logRetention: RetentionDays;
  /** What happens to the ledger and the logs when the stack is deleted. */
  readonly removalPolicy: RemovalPolicy;
  /** Whether the ledger refuses DeleteTable: it records which tasks are being stopped. */
  readonly deletionProtection: boolean;
}

/**
 * The drain workflow of one burst region and the ledger it writes. The definition is the one in
 * `src/workflow/drain-definition.ts`, which the local runtime also runs: what is tested locally is
 * what is deployed. It uses service integrations only, so its role lists every action it takes:
 * conditional writes to its ledger (a drain's point of no return is one), StopTask and DescribeTasks
 * in this region's clusters, and target (de)registration in this region's target groups.
 */
export class DrainWorkflow extends Construct {
  readonly ledgerTable: Table;
  readonly stateMachine: StateMachine;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: DrainWorkflowProps) {
    super(scope, id);
    const names = resourceNames(props.environment);
    const region = Stack.of(this).region;
    const arns = burstArns(this, props.environment);

    this.ledgerTable = new Table(this, 'LedgerTable', {
      tableName: names.drainLedgerTable,
      partitionKey: { name: 'taskArn', type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: 'expiresAt',
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: TableEncryption.AWS_MANAGED,
      deletionProtection: props.deletionProtection,
      removalPolicy: props.removalPolicy,
    });

    this.logGroup = new LogGroup(this, 'Logs', {
      // The /aws/vendedlogs/ prefix keeps CloudWatch Logs' resource policy from growing per state machine.
      logGroupName: `/aws/vendedlogs/states/${names.drainStateMachine}`,
      retention: props.logRetention,
      removalPolicy: props.removalPolicy,
    });
    this.stateMachine = new StateMachine(this, 'StateMachine', {
      stateMachineName: names.drainStateMachine,
      stateMachineType: StateMachineType.STANDARD,
      definitionBody: DefinitionBody.fromString(JSON.stringify(drainWorkflowDefinition())),
      logs: { destination: this.logGroup, level: LogLevel.ALL, includeExecutionData: true },
      tracingEnabled: true,
    });

    const taskArns = props.clusterNames.map((cluster) => arns.tasksOf(region, cluster));
    this.stateMachine.addToRolePolicy(
      new PolicyStatement({
        sid: 'WriteDrainLedger',
        actions: ['dynamodb:UpdateItem'],
        resources: [this.ledgerTable.tableArn],
      }),
    );
    this.stateMachine.addToRolePolicy(
      new PolicyStatement({
        sid: 'StopAndObserveBurstTasks',
        actions: ['ecs:StopTask', 'ecs:DescribeTasks'],
        resources: taskArns,
        conditions: {
          ArnEquals: { 'ecs:cluster': props.clusterNames.map((cluster) => arns.cluster(region, cluster)) },
        },
      }),
    );
    if (props.targetGroupArns.length > 0) {
      this.stateMachine.addToRolePolicy(
        new PolicyStatement({
          sid: 'DeregisterDrainingTasks',
          actions: ['elasticloadbalancing:DeregisterTargets'],
          resources: [...props.targetGroupArns],
        }),
      );
      // A drain called off while it removed the task from its target group puts it back.
      this.stateMachine.addToRolePolicy(
        new PolicyStatement({
          sid: 'RestoreTargetsOfCancelledDrains',
          actions: ['elasticloadbalancing:RegisterTargets'],
          resources: [...props.targetGroupArns],
        }),
      );
    }

    acknowledgeWildcardResources(
      this.stateMachine.role,
      taskArns,
      'Task ids are only known at run time; the ARNs are limited to the burst clusters of this region ' +
        '(task/<cluster>/*) and the ecs:cluster condition repeats the limit.',
    );
    acknowledge(
      this.stateMachine.role,
      'AwsSolutions-IAM5[Resource::*]',
      'Only what Step Functions itself needs for logging and tracing: logs:CreateLogDelivery and the other ' +
        'log-delivery actions, and xray:PutTraceSegments and friends, none of which support resource-level permissions.',
    );
  }
}
