import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { SpillwayConfig } from '../../src/config/schema';
import type { BurstRegionTopology } from '../burst-topology';
import { BurstRegionAlarms } from '../constructs/burst-region-alarms';
import { BurstWorkloads } from '../constructs/burst-workloads';
import { DrainWorkflow } from '../constructs/drain-workflow';
import { OnCallTopic } from '../constructs/on-call-topic';
import { TaskStateForwarding } from '../constructs/task-state-forwarding';
import { deletionProtectionFor, logRetentionFor, removalPolicyFor } from '../deploy-environment';

export interface BurstRegionStackProps extends StackProps {
  /** The environment's validated config. */
  readonly config: SpillwayConfig;
  /** This region's clusters, placements and target groups. */
  readonly topology: BurstRegionTopology;
}

/**
 * One burst region: the ECS clusters and task definitions burst tasks run from, and the drain
 * workflow with its ledger. Nothing here references the control plane; both sides meet on fixed
 * resource names.
 */
export class BurstRegionStack extends Stack {
  readonly workloads: BurstWorkloads;
  readonly drainWorkflow: DrainWorkflow;
  readonly onCall: OnCallTopic;
  readonly alarms: BurstRegionAlarms;

  constructor(scope: Construct, id: string, props: BurstRegionStackProps) {
    super(scope, id, props);
    const environment = props.config.environment;
    if (this.region !== props.topology.region) {
      throw new Error(
        `burst stack ${id} is deployed to ${this.region} but holds ${props.topology.region}'s resources`,
      );
    }
    const logRetention = logRetentionFor(environment);
    const removalPolicy = removalPolicyFor(environment);

    this.workloads = new BurstWorkloads(this, 'Workloads', {
      environment,
      topology: props.topology,
      logRetention,
      removalPolicy,
    });
    this.drainWorkflow = new DrainWorkflow(this, 'DrainWorkflow', {
      environment,
      clusterNames: props.topology.clusterNames,
      targetGroupArns: props.topology.targetGroupArns,
      logRetention,
      removalPolicy,
      deletionProtection: deletionProtectionFor(environment),
    });

    // In the control region itself the control plane's own rule sees these events directly.
    const forwarding =
      props.topology.region !== props.config.controlRegion
        ? new TaskStateForwarding(this, 'TaskStateForwarding', {
            environment,
            clusterNames: props.topology.clusterNames,
            controlRegion: props.config.controlRegion,
            removalPolicy,
          })
        : undefined;

    // Alarms publish only to a topic in their own region: this region's drains page through its own.
    this.onCall = new OnCallTopic(this, 'OnCall', {
      environment,
      plane: 'burst',
      notifications: props.config.notifications,
      removalPolicy,
    });
    this.alarms = new BurstRegionAlarms(this, 'Alarms', {
      environment,
      region: props.topology.region,
      onCall: this.onCall,
      drainStateMachine: this.drainWorkflow.stateMachine,
      ...(forwarding ? { forwardingRule: forwarding.rule } : {}),
    });

    new CfnOutput(this, 'DrainStateMachineArn', { value: this.drainWorkflow.stateMachine.stateMachineArn });
    new CfnOutput(this, 'DrainLedgerTableName', { value: this.drainWorkflow.ledgerTable.tableName });
    new CfnOutput(this, 'ClusterNames', { value: props.topology.clusterNames.join(',') });
  }
}
