/**
 * The drain workflow, defined once: CDK deploys this definition in every burst region and the
 * local runtime loads the same definition into the emulator. It uses service integrations only
 * (no Lambda), so a drain can wait as long as the workload needs at no compute cost.
 *
 * mark draining → deregister target (when one is given) → wait drainSeconds → mark stopping →
 * StopTask → poll DescribeTasks until STOPPED (bounded) → mark stopped. Any failure is recorded as
 * `drain_failed` before the execution fails.
 *
 * A drain can be called off while it waits (pressure came back): the canceller moves the ledger
 * row from `draining` to `cancelled` with a conditional write, and the workflow moves it from
 * `draining` to `stopping` with the opposite one just before StopTask — the point of no return.
 * Whichever write lands first decides; a workflow that loses ends in the success state
 * `Cancelled` without stopping anything. Every write names the drain it belongs to (`drainId`,
 * the execution's name), so a row left by an earlier drain of the same task never passes for
 * this one, and a drain cancelled before it marked the row is not brought back by marking it.
 */

/** Input of one drain execution; one execution per drain of a task (see src/usecases/drain-naming.ts). */
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

/** What the drain ledger row of a task says about its latest drain. */
export type LedgerStatus = 'draining' | 'cancelled' | 'stopping' | 'stopped' | 'drain_failed';

export const DRAIN_POLL_SECONDS = 5;
export const DRAIN_MAX_POLLS = 120;
/** Longest drainSeconds the config accepts, plus the bounded polling, plus slack. */
export const DRAIN_TIMEOUT_SECONDS = 86_400 + DRAIN_POLL_SECONDS * DRAIN_MAX_POLLS + 600;

/** How ECS answers StopTask for a task it does not know (any more), through the SDK integration. */
export const TASK_NOT_FOUND = 'Ecs.InvalidParameterException';

/** How DynamoDB reports a condition that did not hold, through the Step Functions integration. */
export const CONDITION_FAILED = 'DynamoDB.ConditionalCheckFailedException';

type State = Record<string, unknown>;

// States.Timeout is retried too: every call the workflow makes is idempotent (the ledger writes
// are conditioned so that a write that landed before its answer was lost passes again), and a
// call that timed out once must not fail a drain and leave its task running.
const throttlingRetry = (errors: readonly string[]) => ({
  ErrorEquals: [...errors, 'States.Timeout'],
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
const elbRetry = throttlingRetry([
  'ElasticLoadBalancingV2.ThrottlingException',
  'ElasticLoadBalancingV2.ElasticLoadBalancingV2Exception',
]);
const toFailure = { ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'RecordDrainFailed' };
const whenConditionFails = (next: string) => ({
  ErrorEquals: [CONDITION_FAILED],
  ResultPath: null,
  Next: next,
});

const thisDrain = { 'S.$': '$$.Execution.Name' };
const word = (value: LedgerStatus) => ({ S: value });

/**
 * One conditional or plain UpdateItem on the task's ledger row. Attributes are `#name` and values
 * `:name` (several of the words are DynamoDB reserved words); `set` names what is written, and the
 * condition may use those values and `conditionValues` besides.
 */
function ledgerUpdate(
  set: Record<string, unknown>,
  condition?: { readonly expression: string; readonly values?: Record<string, unknown> },
): State {
  const attributes = new Set([
    ...Object.keys(set),
    ...[...(condition?.expression.matchAll(/#(\w+)/g) ?? [])].map((m) => m[1] as string),
  ]);
  return {
    Type: 'Task',
    Resource: 'arn:aws:states:::dynamodb:updateItem',
    TimeoutSeconds: 30,
    Parameters: {
      'TableName.$': '$.ledgerTable',
      Key: { taskArn: { 'S.$': '$.taskArn' } },
      UpdateExpression: `SET ${Object.keys(set)
        .map((name) => `#${name} = :${name}`)
        .join(', ')}`,
      ...(condition ? { ConditionExpression: condition.expression } : {}),
      ExpressionAttributeNames: Object.fromEntries([...attributes].map((name) => [`#${name}`, name])),
      ExpressionAttributeValues: {
        ...Object.fromEntries(Object.entries(set).map(([name, value]) => [`:${name}`, value])),
        ...Object.fromEntries(
          Object.entries(condition?.values ?? {}).map(([name, value]) => [`:${name}`, value]),
        ),
      },
    },
    ResultPath: null,
    Retry: [dynamoRetry],
  };
}

/** Writes a status with its time and the whole identity of the drain, so any one write makes a full row. */
function markLedger(
  status: LedgerStatus,
  condition?: { readonly expression: string; readonly values?: Record<string, unknown> },
  extra: Record<string, unknown> = {},
): State {
  return ledgerUpdate(
    {
      status: word(status),
      [`${status}At`]: { 'S.$': '$$.State.EnteredTime' },
      workload: { 'S.$': '$.workload' },
      decisionId: { 'S.$': '$.decisionId' },
      execution: { 'S.$': '$$.Execution.Id' },
      drainId: thisDrain,
      expiresAt: { 'N.$': '$.ledgerExpiresAt' },
      ...extra,
    },
    condition,
  );
}

/** The Amazon States Language document of the drain workflow (JSONPath query language). */
export function drainWorkflowDefinition(): Record<string, unknown> {
  const states: Record<string, State> = {
    // A row of another (earlier) drain is taken over; a row of this drain may only be re-marked
    // (a retried write), never brought back from `cancelled`: the drain was called off first.
    MarkDraining: {
      ...markLedger('draining', {
        expression: 'attribute_not_exists(#drainId) OR #drainId <> :drainId OR #status = :status',
      }),
      Catch: [whenConditionFails('Cancelled'), toFailure],
      Next: 'HasTargetGroup',
    },
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
      Retry: [elbRetry],
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
        toFailure,
      ],
      Next: 'MarkDeregistered',
    },
    // A cancel that landed while the target was being removed would leave a kept task out of
    // its target group if the reconciler put it back before the removal: check, and undo.
    MarkDeregistered: {
      ...ledgerUpdate(
        { deregisteredAt: { 'S.$': '$$.State.EnteredTime' } },
        {
          expression: '#drainId = :drainId AND #status = :draining',
          values: { drainId: thisDrain, draining: word('draining') },
        },
      ),
      Catch: [whenConditionFails('RestoreTarget'), toFailure],
      Next: 'WaitForDrain',
    },
    // Best effort: the canceller also marks the task unregistered, so the reconciler registers it.
    RestoreTarget: {
      Type: 'Task',
      Resource: 'arn:aws:states:::aws-sdk:elasticloadbalancingv2:registerTargets',
      TimeoutSeconds: 30,
      Parameters: { 'TargetGroupArn.$': '$.target.targetGroupArn', 'Targets.$': '$.target.targets' },
      ResultPath: null,
      Retry: [elbRetry],
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Cancelled' }],
      Next: 'Cancelled',
    },
    WaitForDrain: { Type: 'Wait', SecondsPath: '$.drainSeconds', Next: 'MarkStopping' },
    // The point of no return: from here on a cancel loses. A retried write finds `stopping` and passes.
    MarkStopping: {
      ...markLedger('stopping', {
        expression: '#drainId = :drainId AND #status IN (:draining, :status)',
        values: { draining: word('draining') },
      }),
      Catch: [whenConditionFails('Cancelled'), toFailure],
      Next: 'StopTask',
    },
    StopTask: {
      Type: 'Task',
      Resource: 'arn:aws:states:::aws-sdk:ecs:stopTask',
      TimeoutSeconds: 60,
      Parameters: { 'Cluster.$': '$.cluster', 'Task.$': '$.taskArn', Reason: 'Spillway drain' },
      ResultPath: null,
      Retry: [ecsRetry],
      Catch: [
        // A task that stopped on its own during the wait, and that ECS no longer knows, is what
        // stopping wanted: polling confirms it is gone (or fails the drain if it still runs).
        { ErrorEquals: [TASK_NOT_FOUND], ResultPath: null, Next: 'StartPolling' },
        toFailure,
      ],
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
      Catch: [toFailure],
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
    MarkStopped: { ...markLedger('stopped'), Catch: [toFailure], End: true },
    // Only this drain's own row (or none yet) records its failure; a cancelled one stays cancelled.
    RecordDrainFailed: {
      ...markLedger(
        'drain_failed',
        {
          expression: 'attribute_not_exists(#drainId) OR (#drainId = :drainId AND #status <> :cancelled)',
          values: { cancelled: word('cancelled') },
        },
        { failure: { 'S.$': 'States.JsonToString($.error)' } },
      ),
      Catch: [whenConditionFails('DrainFailed')],
      Next: 'DrainFailed',
    },
    DrainFailed: {
      Type: 'Fail',
      Error: 'Spillway.DrainFailed',
      Cause: 'the drain failed; the ledger row has the error',
    },
    Cancelled: {
      Type: 'Succeed',
      Comment: 'the drain was called off, or a newer drain of the task took over, before StopTask',
    },
  };
  return {
    Comment:
      'Spillway drain: mark draining, deregister, wait, mark stopping (unless cancelled), stop, confirm stopped, mark stopped',
    StartAt: 'MarkDraining',
    TimeoutSeconds: DRAIN_TIMEOUT_SECONDS,
    States: states,
  };
}
