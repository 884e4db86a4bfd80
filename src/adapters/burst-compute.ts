import { DescribeTasksCommand, type ECSClient, ListTasksCommand, RunTaskCommand } from '@aws-sdk/client-ecs';
import type { BurstRegionConfig } from '../config/schema';
import type { Capacity } from '../core/decision';
import { AdapterError, isPermanent, wrap } from './errors';

export interface StartedTask {
  readonly taskArn: string;
  readonly lastStatus: string;
}

/**
 * Why RunTask could not start something, as far as the caller must tell apart: `capacity` (no
 * Fargate or Spot capacity, RESOURCE:*, AGENT: try on demand, or elsewhere), `throttling` (the
 * account's rate limits: wait and try again), `missing_cluster` (the region cannot run this
 * workload: try elsewhere), `permanent` (access denied, invalid parameters: nothing helps but a
 * fix), `transient` (5xx, network, anything else: a retry may help).
 */
export type LaunchProblem = 'capacity' | 'throttling' | 'missing_cluster' | 'permanent' | 'transient';

export interface LaunchFailure {
  readonly reason: string;
  readonly detail?: string;
  /** Failures are `capacity` or `throttling`; the other problems come as thrown RunTaskErrors. */
  readonly problem: LaunchProblem;
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
  /** Fargate on demand, or Fargate Spot through the cluster's FARGATE_SPOT capacity provider. */
  readonly capacity: Capacity;
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

/**
 * RunTask errors that no retry and no other region fixes, with what the operator has to change.
 * Without a hint of their own they would pass for transient faults and be retried until the DLQ.
 */
const permanentRunTaskErrors: Readonly<Record<string, string>> = {
  // The same clientToken with other parameters: a launch's parameters changed under it (a deploy
  // changed the task definition or network while the launch was retried).
  ConflictException:
    'the clientToken is already used by a RunTask request with other parameters; the launch is given up, the next decision starts a new one',
  PlatformTaskDefinitionIncompatibilityException:
    "the task definition needs capabilities the Fargate platform version lacks; fix the workload's task definition (cpu/memory, OS, architecture) or its platform version",
  PlatformUnknownException:
    'the Fargate platform version does not exist in this region; fix the platform version',
  UnsupportedFeatureException:
    'the region does not support a feature the task needs; remove it from this burst region',
};

/** The operator's next step for a permanent RunTask error, when Spillway knows one. */
export const permanentHint = (error: Error): string | undefined => permanentRunTaskErrors[error.name];

/** A RunTask call that threw, with what kind of problem it was. */
export class RunTaskError extends AdapterError {
  override readonly name = 'RunTaskError';
  constructor(
    readonly problem: LaunchProblem,
    cause: Error,
  ) {
    const hint = permanentHint(cause);
    super(
      `ecs RunTask failed: ${cause.name}: ${cause.message}${hint ? ` (${hint})` : ''}`,
      'ecs',
      'RunTask',
      {
        cause,
        retryable: problem !== 'permanent' && problem !== 'missing_cluster',
      },
    );
  }
}

// ECS reports a lack of capacity in several shapes: placement failures (RESOURCE:CPU, :MEMORY,
// :ENI, :FARGATE), an agent that cannot take the task, Fargate's "Capacity is unavailable at this
// time", and the account's concurrent task/vCPU quota.
const capacityPattern =
  /^RESOURCE:|^AGENT|capacity is unavailable|insufficient capacity|limit on the number of (tasks|vcpus?)/i;
const throttlingPattern = /throttl|rate exceeded|too many requests|TooManyRequests/i;
const throttlingNames = new Set(['ThrottlingException', 'TooManyRequestsException', 'RequestLimitExceeded']);
// A deleted cluster stays INACTIVE for a while, and RunTask on it is an InvalidParameterException
// ("The specified cluster is inactive"): the region lacks the cluster, the config is not wrong.
const missingClusterPattern = /cluster (is )?inactive|cluster not found|referenced cluster/i;

/** What kind of problem one entry of RunTask's failures[] is. */
export function classifyFailure(reason: string, detail?: string): LaunchProblem {
  const text = `${reason} ${detail ?? ''}`;
  if (capacityPattern.test(reason) || capacityPattern.test(detail ?? '')) return 'capacity';
  if (throttlingPattern.test(text)) return 'throttling';
  // Any other placement failure (ATTRIBUTE, MISSING…) is still this region failing to place it.
  return 'capacity';
}

/** What kind of problem a thrown error is; errors other than RunTaskError are classified by name. */
export function launchProblemOf(error: unknown): LaunchProblem {
  if (error instanceof RunTaskError) return error.problem;
  const cause = error instanceof AdapterError && error.cause instanceof Error ? error.cause : error;
  if (!(cause instanceof Error)) return 'transient';
  if (throttlingNames.has(cause.name) || throttlingPattern.test(cause.message)) return 'throttling';
  if (cause.name === 'ClusterNotFoundException' || missingClusterPattern.test(cause.message))
    return 'missing_cluster';
  if (capacityPattern.test(cause.message)) return 'capacity';
  if (isPermanent(cause) || permanentHint(cause)) return 'permanent';
  if (error instanceof AdapterError && !error.retryable) return 'permanent';
  return 'transient';
}

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
          // A capacity provider strategy and a launch type exclude each other. ECS has no Spot to
          // on-demand fallback of its own: the caller retries a Spot shortfall on demand.
          ...(request.capacity === 'spot'
            ? { capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }] }
            : { launchType: 'FARGATE' as const }),
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
          problem: classifyFailure(failure.reason ?? '', failure.detail),
        })),
      };
    } catch (error) {
      const cause = error instanceof Error ? error : new Error(String(error));
      throw new RunTaskError(launchProblemOf(cause), cause);
    }
  }

  /**
   * Tasks that Spillway started in a cluster, with their tags: running ones are what the reconciler
   * audits; stopped ones (ECS keeps them about an hour) are what a retried launch must not start again.
   */
  async listStartedBySpillway(
    region: string,
    cluster: string,
    desiredStatus: 'RUNNING' | 'STOPPED' = 'RUNNING',
  ): Promise<ObservedTask[]> {
    const arns: string[] = [];
    let nextToken: string | undefined;
    try {
      do {
        const page = await this.ecsFor(region).send(
          new ListTasksCommand({ cluster, startedBy: 'spillway', desiredStatus, nextToken }),
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
