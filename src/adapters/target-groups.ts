import {
  type ElasticLoadBalancingV2Client,
  RegisterTargetsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { wrap } from './errors';

/**
 * ELBv2 target groups in the burst regions. RunTask, unlike an ECS service, registers nothing:
 * Spillway puts a burst task into its target group once ECS reports its address.
 */
export class TargetGroups {
  constructor(private readonly elbFor: (region: string) => ElasticLoadBalancingV2Client) {}

  async register(
    region: string,
    targetGroupArn: string,
    targets: readonly { id: string; port: number }[],
  ): Promise<void> {
    try {
      await this.elbFor(region).send(
        new RegisterTargetsCommand({
          TargetGroupArn: targetGroupArn,
          Targets: targets.map((target) => ({ Id: target.id, Port: target.port })),
        }),
      );
    } catch (error) {
      throw wrap('elasticloadbalancing', 'RegisterTargets', error);
    }
  }
}
