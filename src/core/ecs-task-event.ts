// zod/mini rather than classic zod: this file was the reconcile bundle's only classic zod user, and
// classic (about 92 KB, its methods not tree-shakable) put that bundle over budget. Same core as
// classic, so the same parsing and the same issues.
import { en } from 'zod/locales';
import * as z from 'zod/mini';

/**
 * mini ships no messages; without these the error below would read "Invalid input" where classic
 * said which field and why. Per parse, not through `z.config`, and `en` by name, not `z.locales`
 * (every locale, about 250 KB): see src/config/parse.ts.
 */
const englishMessages = { error: en().localeError };

const nonEmpty = () => z.string().check(z.minLength(1));

/** EventBridge "ECS Task State Change", the fields Spillway reads. */
const taskStateChangeSchema = z.object({
  source: z.literal('aws.ecs'),
  'detail-type': z.literal('ECS Task State Change'),
  region: nonEmpty(),
  /** When EventBridge recorded the change (RFC 3339). */
  time: z.optional(z.string()),
  detail: z.object({
    taskArn: nonEmpty(),
    clusterArn: nonEmpty(),
    taskDefinitionArn: nonEmpty(),
    lastStatus: nonEmpty(),
    desiredStatus: z.optional(z.string()),
    startedBy: z.optional(z.string()),
    stoppedReason: z.optional(z.string()),
    /** Why ECS stops the task: SpotInterruption, UserInitiated, EssentialContainerExited… */
    stopCode: z.optional(z.string()),
    /** Increments with every change of the task; EventBridge may deliver out of order or twice. */
    version: z.optional(z.number().check(z.int())),
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
  const parsed = z.safeParse(taskStateChangeSchema, event, englishMessages);
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
