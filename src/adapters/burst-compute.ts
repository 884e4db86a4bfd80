import { DescribeTasksCommand, type ECSClient, ListTasksCommand, RunTaskCommand } from '@aws-sdk/client-ecs';
import type { BurstRegionConfig } from '../config/schema';
import { wrap } from './errors';

export interface StartedTask {
  readonly taskArn: string;
  readonly lastStatus: string;
}

export interface LaunchFailure {
  readonly reason: string;
  readonly detail?: string;
}

/** What one RunTask call placed and what it could not: a 200 with only failures is not a success. */
export interface LaunchResult {
  readonly tasks: readonly StartedTask[];
  readonly failures: readonly LaunchFailure[];
}

export interface RunBurstTasksRequest {
  readonly burstRegion: BurstRegionConfig;
  /** At most 10: RunTask's own limit. */
  readonly count: number;
  readonly clientToken: string;
  readonly tags: Readonly<Record<string, string>>;
}

export interface ObservedTask {
  readonly taskArn: string;
  readonly lastStatus: string;
  readonly stoppedReason?: string;
  readonly privateIp?: string;
  readonly tags?: Readonly<Record<string, string>>;
}

/** RunTask's per-call maximum. */
export const RUN_TASK_MAX_COUNT = 10;

/** ECS in the burst regions: starts and observes burst tasks. */
export class BurstCompute {
  constructor(private readonly ecsFor: (region: string) => ECSClient) {}

  async runBurstTasks(request: RunBurstTasksRequest): Promise<LaunchResult> {
    const { burstRegion, count } = request;
    if (count < 1 || count > RUN_TASK_MAX_COUNT)
      throw new RangeError(`RunTask count must be 1..10, got ${count}`);
    try {
      const response = await this.ecsFor(burstRegion.region).send(
        new RunTaskCommand({
          cluster: burstRegion.cluster,
          taskDefinition: burstRegion.taskDefinition.family,
          launchType: 'FARGATE',
          count,
          clientToken: request.clientToken,
          startedBy: 'spillway',
          enableECSManagedTags: true,
          tags: Object.entries(request.tags).map(([key, value]) => ({ key, value })),
          networkConfiguration: {
            awsvpcConfiguration: {
              subnets: [...burstRegion.network.subnets],
              securityGroups: [...burstRegion.network.securityGroups],
              assignPublicIp: burstRegion.network.assignPublicIp ? 'ENABLED' : 'DISABLED',
            },
          },
        }),
      );
      return {
        tasks: (response.tasks ?? [])
          .filter((task) => task.taskArn)
          .map((task) => ({
            taskArn: task.taskArn as string,
            lastStatus: task.lastStatus ?? 'PROVISIONING',
          })),
        failures: (response.failures ?? []).map((failure) => ({
          reason: failure.reason ?? 'unknown',
          ...(failure.detail ? { detail: failure.detail } : {}),
        })),
      };
    } catch (error) {
      throw wrap('ecs', 'RunTask', error);
    }
  }

  /** Running tasks that Spillway started in a cluster, with their tags: what the reconciler audits. */
  async listStartedBySpillway(region: string, cluster: string): Promise<ObservedTask[]> {
    const arns: string[] = [];
    let nextToken: string | undefined;
    try {
      do {
        const page = await this.ecsFor(region).send(
          new ListTasksCommand({ cluster, startedBy: 'spillway', desiredStatus: 'RUNNING', nextToken }),
        );
        arns.push(...(page.taskArns ?? []));
        nextToken = page.nextToken;
      } while (nextToken);
    } catch (error) {
      throw wrap('ecs', 'ListTasks', error);
    }
    return this.describe(region, cluster, arns, true);
  }

  /** Current ECS view of the given tasks; tasks ECS no longer knows are reported as MISSING. */
  async describe(
    region: string,
    cluster: string,
    taskArns: readonly string[],
    withTags = false,
  ): Promise<ObservedTask[]> {
    const observed: ObservedTask[] = [];
    for (let i = 0; i < taskArns.length; i += 100) {
      const batch = taskArns.slice(i, i + 100);
      try {
        const response = await this.ecsFor(region).send(
          new DescribeTasksCommand({ cluster, tasks: batch, ...(withTags ? { include: ['TAGS'] } : {}) }),
        );
        for (const task of response.tasks ?? []) {
          if (!task.taskArn) continue;
          const privateIp = task.attachments
            ?.flatMap((attachment) => attachment.details ?? [])
            .find((detail) => detail.name === 'privateIPv4Address')?.value;
          observed.push({
            taskArn: task.taskArn,
            lastStatus: task.lastStatus ?? 'UNKNOWN',
            ...(task.stoppedReason ? { stoppedReason: task.stoppedReason } : {}),
            ...(privateIp ? { privateIp } : {}),
            ...(withTags
              ? { tags: Object.fromEntries((task.tags ?? []).map((t) => [t.key ?? '', t.value ?? ''])) }
              : {}),
          });
        }
        for (const failure of response.failures ?? []) {
          if (failure.arn)
            observed.push({
              taskArn: failure.arn,
              lastStatus: 'MISSING',
              stoppedReason: failure.reason ?? '',
            });
        }
      } catch (error) {
        throw wrap('ecs', 'DescribeTasks', error);
      }
    }
    return observed;
  }
}
