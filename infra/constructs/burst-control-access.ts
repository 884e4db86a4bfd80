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
 * What the decide and reconcile functions may do in the burst regions, one managed policy per
 * function's share. Deciding starts burst tasks of the configured families in the configured
 * clusters (finding first what an earlier try of the same launch started), starts drains and calls
 * them off. Reconciling carries out decisions too, and besides reads the drain ledgers, follows drain
 * executions and puts tasks into their target groups. Neither stops a task: only the drain workflow
 * does (invariant 6). Every ARN is built from fixed names, since the burst stacks deploy in other
 * regions.
 */
export class BurstControlAccess extends Construct {
  /** Deciding: launch, find an earlier launch's tasks, start and call off drains. */
  readonly decidePolicy: ManagedPolicy;
  /** What reconciling needs on top of deciding. */
  readonly reconcilePolicy: ManagedPolicy;
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
    const ledgerArns = regions.map((r) => arns.drainLedgerTable(r));
    const targetGroupArns = props.topology.flatMap((t) => t.targetGroupArns);
    const inClusters = { ArnEquals: { 'ecs:cluster': clusterArns } };
    this.drainLedgerTable = resourceNames(props.environment).drainLedgerTable;
    this.drainStateMachines = Object.fromEntries(regions.map((r) => [r, arns.drainStateMachine(r)]));

    this.decidePolicy = new ManagedPolicy(this, 'DecidePolicy', {
      description: `Spillway ${props.environment}: start burst tasks, start and call off their drains`,
      statements: [
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
          sid: 'PassBurstTaskRoles',
          actions: ['iam:PassRole'],
          resources: regions.flatMap((r) => [arns.taskExecutionRole(r), arns.taskRole(r)]),
          conditions: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
        }),
        // A launch tried again first finds, by its batch tag, what an earlier try started.
        new PolicyStatement({
          sid: 'ObserveBurstTasks',
          actions: ['ecs:DescribeTasks'],
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
          sid: 'StartDrains',
          actions: ['states:StartExecution'],
          resources: Object.values(this.drainStateMachines),
        }),
        // Calling a drain off is one conditional write on its ledger row (draining → cancelled),
        // the mirror of the workflow's own write at its point of no return.
        new PolicyStatement({
          sid: 'CancelDrains',
          actions: ['dynamodb:UpdateItem'],
          resources: ledgerArns,
        }),
      ],
    });

    const reconcileStatements = [
      new PolicyStatement({
        sid: 'FollowDrains',
        actions: ['states:DescribeExecution'],
        resources: executionArns,
      }),
      new PolicyStatement({
        sid: 'ReadDrainLedgers',
        actions: ['dynamodb:BatchGetItem'],
        resources: ledgerArns,
      }),
    ];
    if (targetGroupArns.length > 0) {
      // RunTask registers nothing: the reconciler puts a running burst task into its target group.
      // Deregistering is the drain workflow's.
      reconcileStatements.push(
        new PolicyStatement({
          sid: 'RegisterBurstTasksInTargetGroups',
          actions: ['elasticloadbalancing:RegisterTargets'],
          resources: targetGroupArns,
        }),
        // A readiness drill waits for its task to be healthy in the target group (docs/drills.md).
        new PolicyStatement({
          sid: 'WatchDrillTargetHealth',
          actions: ['elasticloadbalancing:DescribeTargetHealth'],
          resources: ['*'],
        }),
      );
    }
    this.reconcilePolicy = new ManagedPolicy(this, 'ReconcilePolicy', {
      description: `Spillway ${props.environment}: follow drains and their ledgers, register burst tasks`,
      statements: reconcileStatements,
    });

    acknowledgeWildcardResources(
      this.decidePolicy,
      familyArns,
      'RunTask is limited to the configured task definition families; the wildcard only spans their ' +
        'revisions, and the ecs:cluster condition limits where they may run.',
    );
    acknowledgeWildcardResources(
      this.decidePolicy,
      taskArns,
      'Burst task ids are assigned by ECS at launch; the ARNs are limited to the configured clusters ' +
        '(task/<cluster>/*), and tagging only at RunTask (ecs:CreateAction).',
    );
    acknowledgeWildcardResources(
      this.decidePolicy,
      ['*'],
      'Only ecs:ListTasks, which has no task resource to scope; the ecs:cluster condition limits it to the ' +
        'configured clusters.',
    );
    if (targetGroupArns.length > 0)
      acknowledgeWildcardResources(
        this.reconcilePolicy,
        ['*'],
        'Only elasticloadbalancing:DescribeTargetHealth, a read that supports no resource-level ' +
          'permissions; it reveals target health and nothing else.',
      );
    acknowledgeWildcardResources(
      this.reconcilePolicy,
      executionArns,
      'Drain execution names are chosen per task at run time; the ARNs are limited to executions of the ' +
        'Spillway drain state machine.',
    );
  }

  /** Tells the function where the drain state machines and ledgers are. */
  private locate(fn: SpillwayFunction): void {
    fn.addEnvironment(ENV.drainLedgerTable, this.drainLedgerTable);
    fn.addEnvironment(ENV.drainStateMachines, Stack.of(this).toJsonString(this.drainStateMachines));
  }

  /** What the decide function may do in the burst regions. */
  grantDecide(fn: SpillwayFunction): void {
    this.decidePolicy.attachToRole(fn.role);
    this.locate(fn);
  }

  /** The reconciler carries out decisions too, so it gets deciding's share and its own. */
  grantReconcile(fn: SpillwayFunction): void {
    this.decidePolicy.attachToRole(fn.role);
    this.reconcilePolicy.attachToRole(fn.role);
    this.locate(fn);
  }
}
