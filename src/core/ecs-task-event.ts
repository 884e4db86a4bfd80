import * as z from 'zod';

/** EventBridge "ECS Task State Change", the fields Spillway reads. */
const taskStateChangeSchema = z.object({
  source: z.literal('aws.ecs'),
  'detail-type': z.literal('ECS Task State Change'),
  region: z.string().min(1),
  /** When EventBridge recorded the change (RFC 3339). */
  time: z.string().optional(),
  detail: z.object({
    taskArn: z.string().min(1),
    clusterArn: z.string().min(1),
    taskDefinitionArn: z.string().min(1),
    lastStatus: z.string().min(1),
    desiredStatus: z.string().optional(),
    startedBy: z.string().optional(),
    stoppedReason: z.string().optional(),
    /** Why ECS stops the task: SpotInterruption, UserInitiated, EssentialContainerExited… */
    stopCode: z.string().optional(),
    /** Increments with every change of the task; EventBridge may deliver out of order or twice. */
    version: z.number().int().optional(),
  }),
});

export interface TaskStateChange {
  readonly region: string;
  readonly cluster: string;
  readonly family: string;
  readonly taskArn: string;
  readonly lastStatus: string;
  readonly desiredStatus: string | undefined;
  readonly stopCode: string | undefined;
  readonly startedBySpillway: boolean;
  readonly version: number | undefined;
  readonly time: string | undefined;
}

export const isTaskStateChange = (event: unknown): boolean =>
  typeof event === 'object' &&
  event !== null &&
  (event as Record<string, unknown>)['detail-type'] === 'ECS Task State Change';

/**
 * Reads the event down to what routes it: region, cluster and task definition family name the
 * workload. The event is mostly a hint to reconcile now — the reconciler reads ECS itself, so a
 * duplicate or an older event (lower `detail.version`) cannot make it act on stale data. A Spot
 * interruption warning is the exception: ECS announces it only in the event (see below).
 */
export function parseTaskStateChange(event: unknown): TaskStateChange | { readonly error: string } {
  const parsed = taskStateChangeSchema.safeParse(event);
  if (!parsed.success)
    return { error: `not an ECS Task State Change event: ${parsed.error.issues[0]?.message}` };
  const { detail, region, time } = parsed.data;
  const cluster = detail.clusterArn.split('/').at(-1) ?? '';
  const family = /task-definition\/([^:]+)/.exec(detail.taskDefinitionArn)?.[1] ?? '';
  return {
    region,
    cluster,
    family,
    taskArn: detail.taskArn,
    lastStatus: detail.lastStatus,
    desiredStatus: detail.desiredStatus,
    stopCode: detail.stopCode,
    startedBySpillway: detail.startedBy === 'spillway',
    version: detail.version,
    time,
  };
}

/**
 * Fargate Spot's two-minute warning: ECS has decided to stop the task (desiredStatus STOPPED,
 * stopCode SpotInterruption) while it still runs. Later events of the same stop carry the same
 * stop code; once the task is STOPPED there is nothing left to drain.
 */
export const isSpotInterruptionWarning = (change: TaskStateChange): boolean =>
  change.stopCode === 'SpotInterruption' &&
  change.desiredStatus === 'STOPPED' &&
  change.lastStatus !== 'STOPPED';
