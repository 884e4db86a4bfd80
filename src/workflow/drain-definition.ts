/**
 * The drain workflow, defined once: CDK deploys this definition in every burst region and the
 * local runtime loads the same definition into the emulator. It uses service integrations only
 * (no Lambda), so a drain can wait as long as the workload needs at no compute cost.
 *
 * mark draining → deregister target (when one is given) → wait drainSeconds → StopTask →
 * poll DescribeTasks until STOPPED (bounded) → mark stopped. Any failure is recorded as
 * `drain_failed` before the execution fails.
 */

/** Input of one drain execution; one execution per task, named after it. */
export interface DrainInput {
  readonly workload: string;
  readonly taskArn: string;
  readonly cluster: string;
  readonly drainSeconds: number;
  /** The drain ledger table of the burst region the task runs in. */
  readonly ledgerTable: string;
  /** Epoch seconds, as a string (DynamoDB's N type), after which the ledger row may expire. */
  readonly ledgerExpiresAt: string;
  readonly decisionId: string;
  /** The target group entry to remove first; null when the task is in none. Always present: see HasTargetGroup. */
  readonly target: {
    readonly targetGroupArn: string;
    readonly targets: readonly { readonly Id: string; readonly Port: number }[];
  } | null;
}

export const DRAIN_POLL_SECONDS = 5;
export const DRAIN_MAX_POLLS = 120;
/** Longest drainSeconds the config accepts, plus the bounded polling, plus slack. */
export const DRAIN_TIMEOUT_SECONDS = 86_400 + DRAIN_POLL_SECONDS * DRAIN_MAX_POLLS + 600;

type State = Record<string, unknown>;

const throttlingRetry = (errors: readonly string[]) => ({
  ErrorEquals: [...errors],
  IntervalSeconds: 1,
  BackoffRate: 2,
  MaxAttempts: 6,
  MaxDelaySeconds: 30,
  JitterStrategy: 'FULL',
});

const ecsRetry = throttlingRetry(['Ecs.ThrottlingException', 'Ecs.ServerException', 'Ecs.EcsException']);
const dynamoRetry = throttlingRetry([
  'DynamoDB.ProvisionedThroughputExceededException',
  'DynamoDB.ThrottlingException',
  'DynamoDB.InternalServerErrorException',
  'DynamoDB.RequestLimitExceeded',
]);
const toFailure = [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'RecordDrainFailed' }];

function markLedger(status: string, next: string | undefined, extra: Record<string, unknown> = {}): State {
  // Every attribute goes through a name placeholder: several of these words are DynamoDB reserved words.
  const values: Record<string, unknown> = {
    status: { S: status },
    [`${status}At`]: { 'S.$': '$$.State.EnteredTime' },
    workload: { 'S.$': '$.workload' },
    decisionId: { 'S.$': '$.decisionId' },
    execution: { 'S.$': '$$.Execution.Id' },
    expiresAt: { 'N.$': '$.ledgerExpiresAt' },
    ...extra,
  };
  const attributes = Object.keys(values);
  return {
    Type: 'Task',
    Resource: 'arn:aws:states:::dynamodb:updateItem',
    TimeoutSeconds: 30,
    Parameters: {
      'TableName.$': '$.ledgerTable',
      Key: { taskArn: { 'S.$': '$.taskArn' } },
      UpdateExpression: `SET ${attributes.map((_, i) => `#a${i} = :v${i}`).join(', ')}`,
      ExpressionAttributeNames: Object.fromEntries(attributes.map((name, i) => [`#a${i}`, name])),
      ExpressionAttributeValues: Object.fromEntries(attributes.map((name, i) => [`:v${i}`, values[name]])),
    },
    ResultPath: null,
    Retry: [dynamoRetry],
    ...(next ? { Next: next } : { End: true }),
  };
}

/** The Amazon States Language document of the drain workflow (JSONPath query language). */
export function drainWorkflowDefinition(): Record<string, unknown> {
  const states: Record<string, State> = {
    MarkDraining: { ...markLedger('draining', 'HasTargetGroup'), Catch: toFailure },
    // IsNull rather than IsPresent on an optional field: one test that every executor agrees on.
    HasTargetGroup: {
      Type: 'Choice',
      Choices: [{ Variable: '$.target', IsNull: false, Next: 'DeregisterTarget' }],
      Default: 'WaitForDrain',
    },
    DeregisterTarget: {
      Type: 'Task',
      Resource: 'arn:aws:states:::aws-sdk:elasticloadbalancingv2:deregisterTargets',
      TimeoutSeconds: 30,
      Parameters: { 'TargetGroupArn.$': '$.target.targetGroupArn', 'Targets.$': '$.target.targets' },
      ResultPath: null,
      Retry: [
        throttlingRetry([
          'ElasticLoadBalancingV2.ThrottlingException',
          'ElasticLoadBalancingV2.ElasticLoadBalancingV2Exception',
        ]),
      ],
      Catch: [
        // A target or group that is already gone is what deregistering wanted.
        {
          ErrorEquals: [
            'ElasticLoadBalancingV2.TargetGroupNotFoundException',
            'ElasticLoadBalancingV2.InvalidTargetException',
          ],
          ResultPath: null,
          Next: 'WaitForDrain',
        },
        ...toFailure,
      ],
      Next: 'WaitForDrain',
    },
    WaitForDrain: { Type: 'Wait', SecondsPath: '$.drainSeconds', Next: 'StopTask' },
    StopTask: {
      Type: 'Task',
      Resource: 'arn:aws:states:::aws-sdk:ecs:stopTask',
      TimeoutSeconds: 60,
      Parameters: { 'Cluster.$': '$.cluster', 'Task.$': '$.taskArn', Reason: 'Spillway drain' },
      ResultPath: null,
      Retry: [ecsRetry],
      Catch: toFailure,
      Next: 'StartPolling',
    },
    StartPolling: { Type: 'Pass', Result: { attempts: 0 }, ResultPath: '$.poll', Next: 'DescribeTask' },
    DescribeTask: {
      Type: 'Task',
      Resource: 'arn:aws:states:::aws-sdk:ecs:describeTasks',
      TimeoutSeconds: 30,
      Parameters: { 'Cluster.$': '$.cluster', 'Tasks.$': 'States.Array($.taskArn)' },
      ResultSelector: { 'count.$': 'States.ArrayLength($.Tasks)', 'tasks.$': '$.Tasks' },
      ResultPath: '$.described',
      Retry: [ecsRetry],
      Catch: toFailure,
      Next: 'IsTaskGone',
    },
    // ECS forgets stopped tasks after a while: a task it no longer knows is stopped.
    IsTaskGone: {
      Type: 'Choice',
      Choices: [{ Variable: '$.described.count', NumericEquals: 0, Next: 'MarkStopped' }],
      Default: 'PickTask',
    },
    PickTask: {
      Type: 'Pass',
      Parameters: { 'task.$': 'States.ArrayGetItem($.described.tasks, 0)' },
      ResultPath: '$.picked',
      Next: 'IsTaskStopped',
    },
    IsTaskStopped: {
      Type: 'Choice',
      Choices: [
        { Variable: '$.picked.task.LastStatus', StringEquals: 'STOPPED', Next: 'MarkStopped' },
        { Variable: '$.poll.attempts', NumericGreaterThanEquals: DRAIN_MAX_POLLS, Next: 'StopNotConfirmed' },
      ],
      Default: 'WaitForStop',
    },
    WaitForStop: { Type: 'Wait', Seconds: DRAIN_POLL_SECONDS, Next: 'CountPoll' },
    CountPoll: {
      Type: 'Pass',
      Parameters: { 'attempts.$': 'States.MathAdd($.poll.attempts, 1)' },
      ResultPath: '$.poll',
      Next: 'DescribeTask',
    },
    StopNotConfirmed: {
      Type: 'Pass',
      Result: {
        Error: 'Spillway.StopNotConfirmed',
        Cause: `task not STOPPED after ${DRAIN_MAX_POLLS} polls`,
      },
      ResultPath: '$.error',
      Next: 'RecordDrainFailed',
    },
    MarkStopped: { ...markLedger('stopped', undefined), Catch: toFailure },
    RecordDrainFailed: {
      ...markLedger('drain_failed', 'DrainFailed', { failure: { 'S.$': 'States.JsonToString($.error)' } }),
    },
    DrainFailed: {
      Type: 'Fail',
      Error: 'Spillway.DrainFailed',
      Cause: 'the drain failed; the ledger row has the error',
    },
  };
  return {
    Comment: 'Spillway drain: mark draining, deregister, wait, stop, confirm stopped, mark stopped',
    StartAt: 'MarkDraining',
    TimeoutSeconds: DRAIN_TIMEOUT_SECONDS,
    States: states,
  };
}
