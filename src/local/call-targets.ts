/**
 * What IAM authorises for one AWS SDK call: the action (or actions) and the resource ARN each one
 * targets, with the condition keys a Spillway policy tests. Operation names are not always action
 * names (SendMessageBatch is authorised as sqs:SendMessage, TransactWriteItems as the item action of
 * each item), so this is written per operation; an operation it does not know is reported as
 * unmodelled, and the permission check fails on it rather than guess.
 */

/** One request IAM evaluates. */
export interface IamRequest {
  /** `service:Action`, as IAM names it. */
  readonly action: string;
  /** The ARN the action targets, or `*` for actions without a resource. */
  readonly resource: string;
  /** Request condition keys (`ecs:cluster`, `ecs:CreateAction`). */
  readonly context?: Readonly<Record<string, string>>;
}

export interface SdkCall {
  /** The SDK client's name, e.g. `ECSClient`. */
  readonly client: string;
  /** The operation, e.g. `RunTask`. */
  readonly operation: string;
  readonly region: string;
  /** The account the emulator (or AWS) puts in its ARNs. */
  readonly account: string;
  readonly input: Readonly<Record<string, unknown>>;
  /** The answer, when the call succeeded: some targets are known only from it (the tasks RunTask started). */
  readonly output?: Readonly<Record<string, unknown>>;
}

export type CallTargets =
  | { readonly modelled: true; readonly requests: readonly IamRequest[] }
  | { readonly modelled: false; readonly reason: string };

/** IAM's service prefix for each SDK client the functions use. */
export const IAM_PREFIX: Readonly<Record<string, string>> = {
  DynamoDBClient: 'dynamodb',
  ECSClient: 'ecs',
  SFNClient: 'states',
  SQSClient: 'sqs',
  ElasticLoadBalancingV2Client: 'elasticloadbalancing',
  SecretsManagerClient: 'secretsmanager',
};

type Input = Readonly<Record<string, unknown>>;
const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const list = (value: unknown): readonly unknown[] => (Array.isArray(value) ? value : []);
const record = (value: unknown): Input =>
  typeof value === 'object' && value !== null ? (value as Input) : {};

function dynamodbRequests(call: SdkCall): IamRequest[] | string {
  const table = (name: unknown, index?: unknown) => {
    const base = `arn:aws:dynamodb:${call.region}:${call.account}:table/${text(name) ?? '?'}`;
    return text(index) ? `${base}/index/${text(index)}` : base;
  };
  const { input, operation } = call;
  switch (operation) {
    case 'GetItem':
    case 'PutItem':
    case 'UpdateItem':
    case 'DeleteItem':
    case 'Query':
    case 'Scan':
      return [{ action: `dynamodb:${operation}`, resource: table(input.TableName, input.IndexName) }];
    case 'BatchGetItem':
    case 'BatchWriteItem':
      return Object.keys(record(input.RequestItems)).map((name) => ({
        action: `dynamodb:${operation}`,
        resource: table(name),
      }));
    case 'TransactWriteItems':
    case 'TransactGetItems': {
      // A transaction is authorised item by item, as the item action on each item's table.
      const itemActions: Record<string, string> = {
        Put: 'PutItem',
        Update: 'UpdateItem',
        Delete: 'DeleteItem',
        ConditionCheck: 'ConditionCheckItem',
        Get: 'GetItem',
      };
      return list(input.TransactItems).flatMap((item) =>
        Object.entries(record(item)).map(([kind, body]) => ({
          action: `dynamodb:${itemActions[kind] ?? kind}`,
          resource: table(record(body).TableName),
        })),
      );
    }
    default:
      return `no model of dynamodb ${operation}`;
  }
}

function ecsRequests(call: SdkCall): IamRequest[] | string {
  const { input, output, operation, region, account } = call;
  const prefix = `arn:aws:ecs:${region}:${account}`;
  const clusterName = (text(input.cluster) ?? 'default').split('/').pop() as string;
  const cluster = `${prefix}:cluster/${clusterName}`;
  const inCluster = { 'ecs:cluster': cluster };
  const taskArn = (task: unknown) =>
    text(task)?.startsWith('arn:') ? (task as string) : `${prefix}:task/${clusterName}/${text(task)}`;
  switch (operation) {
    case 'RunTask': {
      const tasks = list(output?.tasks).map(record);
      const family = text(input.taskDefinition) ?? '?';
      // IAM authorises the revision RunTask resolves; the answer names it.
      const definition =
        text(tasks[0]?.taskDefinitionArn) ??
        (family.startsWith('arn:')
          ? family
          : `${prefix}:task-definition/${family.includes(':') ? family : `${family}:1`}`);
      const requests: IamRequest[] = [{ action: 'ecs:RunTask', resource: definition, context: inCluster }];
      // Tags given at launch need ecs:TagResource on each task started, with ecs:CreateAction.
      if (list(input.tags).length > 0) {
        for (const task of tasks) {
          const arn = text(task.taskArn);
          if (arn)
            requests.push({
              action: 'ecs:TagResource',
              resource: arn,
              context: { 'ecs:CreateAction': 'RunTask' },
            });
        }
      }
      return requests;
    }
    case 'ListTasks':
      // ListTasks has no resource of its own to scope; the cluster is a condition key.
      return [{ action: 'ecs:ListTasks', resource: '*', context: inCluster }];
    case 'DescribeTasks':
      return list(input.tasks).map((task) => ({
        action: 'ecs:DescribeTasks',
        resource: taskArn(task),
        context: inCluster,
      }));
    case 'StopTask':
      return [{ action: 'ecs:StopTask', resource: taskArn(input.task), context: inCluster }];
    default:
      return `no model of ecs ${operation}`;
  }
}

function statesRequests(call: SdkCall): IamRequest[] | string {
  const { input, operation } = call;
  switch (operation) {
    case 'StartExecution':
      return [{ action: 'states:StartExecution', resource: text(input.stateMachineArn) ?? '?' }];
    case 'DescribeExecution':
    case 'StopExecution':
      return [{ action: `states:${operation}`, resource: text(input.executionArn) ?? '?' }];
    default:
      return `no model of states ${operation}`;
  }
}

/** Queue URLs are `<endpoint>/<account>/<name>` on AWS and on the emulators alike. */
function queueArn(call: SdkCall): string {
  const [account, name] = new URL(text(call.input.QueueUrl) ?? 'http://invalid/').pathname
    .split('/')
    .filter(Boolean);
  return `arn:aws:sqs:${call.region}:${account ?? call.account}:${name ?? '?'}`;
}

function sqsRequests(call: SdkCall): IamRequest[] | string {
  // The batch operations are authorised as their single-message actions.
  const action = call.operation.replace(/Batch$/, '');
  if (
    ![
      'SendMessage',
      'ReceiveMessage',
      'DeleteMessage',
      'ChangeMessageVisibility',
      'GetQueueAttributes',
    ].includes(action)
  )
    return `no model of sqs ${call.operation}`;
  return [{ action: `sqs:${action}`, resource: queueArn(call) }];
}

function elbRequests(call: SdkCall): IamRequest[] | string {
  // ELBv2's Describe actions authorise against no resource: IAM sees "*" whatever the target group.
  if (call.operation === 'DescribeTargetHealth')
    return [{ action: 'elasticloadbalancing:DescribeTargetHealth', resource: '*' }];
  if (call.operation !== 'RegisterTargets' && call.operation !== 'DeregisterTargets')
    return `no model of elasticloadbalancing ${call.operation}`;
  return [
    { action: `elasticloadbalancing:${call.operation}`, resource: text(call.input.TargetGroupArn) ?? '?' },
  ];
}

function secretsRequests(call: SdkCall): IamRequest[] | string {
  if (call.operation !== 'GetSecretValue') return `no model of secretsmanager ${call.operation}`;
  const id = text(call.input.SecretId) ?? '?';
  return [
    {
      action: 'secretsmanager:GetSecretValue',
      resource: id.startsWith('arn:')
        ? id
        : `arn:aws:secretsmanager:${call.region}:${call.account}:secret:${id}`,
    },
  ];
}

const byPrefix: Readonly<Record<string, (call: SdkCall) => IamRequest[] | string>> = {
  dynamodb: dynamodbRequests,
  ecs: ecsRequests,
  states: statesRequests,
  sqs: sqsRequests,
  elasticloadbalancing: elbRequests,
  secretsmanager: secretsRequests,
};

/** The IAM requests one SDK call makes. */
export function callTargets(call: SdkCall): CallTargets {
  const prefix = IAM_PREFIX[call.client];
  const model = prefix ? byPrefix[prefix] : undefined;
  if (!model) return { modelled: false, reason: `no model of the ${call.client} client` };
  const requests = model(call);
  return typeof requests === 'string' ? { modelled: false, reason: requests } : { modelled: true, requests };
}
