import { Stack } from 'aws-cdk-lib';
import { EventBus, Rule } from 'aws-cdk-lib/aws-events';
import { EventBus as EventBusTarget } from 'aws-cdk-lib/aws-events-targets';
import { Construct } from 'constructs';
import { burstArns } from '../burst-arns';

export interface TaskStateForwardingProps {
  readonly environment: string;
  /** This burst region's cluster names. */
  readonly clusterNames: readonly string[];
  /** Where the control plane runs: that region's default event bus receives the events. */
  readonly controlRegion: string;
}

/** ECS task state changes of burst tasks: started by Spillway, in Spillway's clusters. */
export const burstTaskStatePattern = (clusterArns: readonly string[]) => ({
  source: ['aws.ecs'],
  detailType: ['ECS Task State Change'],
  detail: { startedBy: ['spillway'], clusterArn: [...clusterArns] },
});

/**
 * Forwards ECS Task State Change events of burst tasks from a burst region to the control
 * region's default event bus, where they trigger the reconciler at once: a task that died is
 * seen in seconds rather than at the next minute's tick.
 */
export class TaskStateForwarding extends Construct {
  readonly rule: Rule;

  constructor(scope: Construct, id: string, props: TaskStateForwardingProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const arns = burstArns(this, props.environment);
    const controlBus = EventBus.fromEventBusArn(
      this,
      'ControlBus',
      stack.formatArn({
        service: 'events',
        region: props.controlRegion,
        resource: 'event-bus',
        resourceName: 'default',
      }),
    );
    this.rule = new Rule(this, 'Rule', {
      description: 'Spillway burst task state changes, forwarded to the control region',
      eventPattern: burstTaskStatePattern(props.clusterNames.map((name) => arns.cluster(stack.region, name))),
      targets: [new EventBusTarget(controlBus)],
    });
  }
}
