import {
  DescribeTargetHealthCommand,
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

  /** One target's state (healthy, initial, unhealthy, unused…); `unknown` when the group has none. */
  async health(
    region: string,
    targetGroupArn: string,
    target: { id: string; port: number },
  ): Promise<string> {
    try {
      const response = await this.elbFor(region).send(
        new DescribeTargetHealthCommand({
          TargetGroupArn: targetGroupArn,
          Targets: [{ Id: target.id, Port: target.port }],
        }),
      );
      return response.TargetHealthDescriptions?.[0]?.TargetHealth?.State ?? 'unknown';
    } catch (error) {
      throw wrap('elasticloadbalancing', 'DescribeTargetHealth', error);
    }
  }
}
