import { Stack } from 'aws-cdk-lib';
import { ManagedPolicy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { ENV, resourceNames } from '../../src/runtime/env-names';
import { burstArns } from '../burst-arns';
import type { BurstRegionTopology } from '../burst-topology';
import { acknowledgeWildcardResources } from '../guardrails';
import type { SpillwayFunction } from './spillway-function';

export interface BurstControlAccessProps {
  /** Deployment environment; burst resource names derive from it. */
  readonly environment: string;
  /** The burst regions and what runs in each. */
  readonly topology: readonly BurstRegionTopology[];
}

/**
 * What the decide and reconcile functions may do in the burst regions, written once as one managed
 * policy: start burst tasks of the configured families in the configured clusters, observe and stop
 * them, start and follow drains, read the drain ledgers, and move tasks in and out of the
 * configured target groups. Every ARN is built from fixed names, since the burst stacks deploy in
 * other regions.
 */
export class BurstControlAccess extends Construct {
  readonly policy: ManagedPolicy;
  private readonly drainStateMachines: Record<string, string>;
  private readonly drainLedgerTable: string;

  constructor(scope: Construct, id: string, props: BurstControlAccessProps) {
    super(scope, id);
    const arns = burstArns(this, props.environment);
    const regions = props.topology.map((t) => t.region);
    const clusterArns = props.topology.flatMap((t) => t.clusterNames.map((c) => arns.cluster(t.region, c)));
    const taskArns = props.topology.flatMap((t) => t.clusterNames.map((c) => arns.tasksOf(t.region, c)));
    const familyArns = props.topology.flatMap((t) =>
      t.placements.map((p) => arns.taskDefinitionFamily(t.region, p.burstRegion.taskDefinition.family)),
    );
    const executionArns = regions.map((r) => arns.drainExecutions(r));
    const targetGroupArns = props.topology.flatMap((t) => t.targetGroupArns);
    const inClusters = { ArnEquals: { 'ecs:cluster': clusterArns } };
    this.drainLedgerTable = resourceNames(props.environment).drainLedgerTable;
    this.drainStateMachines = Object.fromEntries(regions.map((r) => [r, arns.drainStateMachine(r)]));

    const statements = [
      new PolicyStatement({
        sid: 'RunBurstTasks',
        actions: ['ecs:RunTask'],
        resources: familyArns,
        conditions: inClusters,
      }),
      // RunTask tags the tasks it starts (workload, environment, decision id).
      new PolicyStatement({
        sid: 'TagBurstTasksAtLaunch',
        actions: ['ecs:TagResource'],
        resources: taskArns,
        conditions: { StringEquals: { 'ecs:CreateAction': 'RunTask' } },
      }),
      new PolicyStatement({
        sid: 'ObserveAndStopBurstTasks',
        actions: ['ecs:DescribeTasks', 'ecs:StopTask'],
        resources: taskArns,
        conditions: inClusters,
      }),
      // ListTasks authorises against the cluster through the condition key only.
      new PolicyStatement({
        sid: 'ListBurstTasks',
        actions: ['ecs:ListTasks'],
        resources: ['*'],
        conditions: inClusters,
      }),
      new PolicyStatement({
        sid: 'PassBurstTaskRoles',
        actions: ['iam:PassRole'],
        resources: regions.flatMap((r) => [arns.taskExecutionRole(r), arns.taskRole(r)]),
        conditions: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
      }),
      new PolicyStatement({
        sid: 'StartDrains',
        actions: ['states:StartExecution'],
        resources: Object.values(this.drainStateMachines),
      }),
      new PolicyStatement({
        sid: 'FollowDrains',
        actions: ['states:DescribeExecution'],
        resources: executionArns,
      }),
      new PolicyStatement({
        sid: 'ReadDrainLedgers',
        actions: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:BatchGetItem'],
        resources: regions.map((r) => arns.drainLedgerTable(r)),
      }),
      // Calling a drain off is one conditional write on its ledger row (draining → cancelled),
      // the mirror of the workflow's own write at its point of no return.
      new PolicyStatement({
        sid: 'CancelDrains',
        actions: ['dynamodb:UpdateItem'],
        resources: regions.map((r) => arns.drainLedgerTable(r)),
      }),
    ];
    if (targetGroupArns.length > 0) {
      statements.push(
        new PolicyStatement({
          sid: 'MoveBurstTasksInTargetGroups',
          actions: ['elasticloadbalancing:RegisterTargets', 'elasticloadbalancing:DeregisterTargets'],
          resources: targetGroupArns,
        }),
      );
    }
    this.policy = new ManagedPolicy(this, 'Policy', {
      description: `Spillway ${props.environment}: run, observe, stop and drain burst tasks`,
      statements,
    });

    acknowledgeWildcardResources(
      this.policy,
      familyArns,
      'RunTask is limited to the configured task definition families; the wildcard only spans their ' +
        'revisions, and the ecs:cluster condition limits where they may run.',
    );
    acknowledgeWildcardResources(
      this.policy,
      taskArns,
      'Burst task ids are assigned by ECS at launch; the ARNs are limited to the configured clusters ' +
        '(task/<cluster>/*), and tagging only at RunTask (ecs:CreateAction).',
    );
    acknowledgeWildcardResources(
      this.policy,
      ['*'],
      'Only ecs:ListTasks, which has no task resource to scope; the ecs:cluster condition limits it to the ' +
        'configured clusters.',
    );
    acknowledgeWildcardResources(
      this.policy,
      executionArns,
      'Drain execution names are chosen per task at run time; the ARNs are limited to executions of the ' +
        'Spillway drain state machine.',
    );
  }

  /** Attaches the policy and tells the function where the drain state machines and ledgers are. */
  grantTo(fn: SpillwayFunction): void {
    this.policy.attachToRole(fn.role);
    fn.addEnvironment(ENV.drainLedgerTable, this.drainLedgerTable);
    fn.addEnvironment(ENV.drainStateMachines, Stack.of(this).toJsonString(this.drainStateMachines));
  }
}
