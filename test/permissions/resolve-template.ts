/**
 * Resolves the CloudFormation intrinsics of a synthesised template into the strings AWS would see,
 * for the few resource types Spillway's policies name. A reference it cannot resolve throws: a
 * policy the check cannot read must not pass for one that allows nothing or everything.
 */

export interface StackPlace {
  readonly account: string;
  readonly region: string;
  readonly partition: string;
}

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown> }>;

/** Secrets Manager appends six random characters to a secret's name; any fixed six stand for them. */
export const SECRET_SUFFIX = 'AbCdEf';

const NO_VALUE = Symbol('AWS::NoValue');

function attribute(resources: Resources, place: StackPlace, logicalId: string, name: string): string {
  const resource = resources[logicalId];
  if (!resource) throw new Error(`no resource ${logicalId} in the template`);
  const props = resource.Properties ?? {};
  const { partition, region, account } = place;
  const named = (key: string) => (typeof props[key] === 'string' ? (props[key] as string) : logicalId);
  const key = `${resource.Type}.${name}`;
  switch (key) {
    case 'AWS::DynamoDB::Table.Arn':
      return `arn:${partition}:dynamodb:${region}:${account}:table/${named('TableName')}`;
    case 'AWS::SQS::Queue.Arn':
      return `arn:${partition}:sqs:${region}:${account}:${named('QueueName')}`;
    case 'AWS::Logs::LogGroup.Arn':
      return `arn:${partition}:logs:${region}:${account}:log-group:${named('LogGroupName')}:*`;
    case 'AWS::IAM::Role.Arn':
      return `arn:${partition}:iam::${account}:role/${named('RoleName')}`;
    case 'AWS::StepFunctions::StateMachine.Arn':
      return `arn:${partition}:states:${region}:${account}:stateMachine:${named('StateMachineName')}`;
    case 'AWS::SecretsManager::Secret.Ref':
      return `arn:${partition}:secretsmanager:${region}:${account}:secret:${named('Name')}-${SECRET_SUFFIX}`;
    case 'AWS::DynamoDB::Table.Ref':
      return named('TableName');
    case 'AWS::IAM::Role.Ref':
      return named('RoleName');
    case 'AWS::StepFunctions::StateMachine.Ref':
      return attribute(resources, place, logicalId, 'Arn');
    case 'AWS::SQS::Queue.Ref':
      return `https://sqs.${region}.amazonaws.com/${account}/${named('QueueName')}`;
    default:
      throw new Error(`cannot resolve ${logicalId} (${key}) in a policy`);
  }
}

function pseudo(place: StackPlace, name: string): string | typeof NO_VALUE | undefined {
  switch (name) {
    case 'AWS::Partition':
      return place.partition;
    case 'AWS::Region':
      return place.region;
    case 'AWS::AccountId':
      return place.account;
    case 'AWS::URLSuffix':
      return 'amazonaws.com';
    case 'AWS::NoValue':
      return NO_VALUE;
    default:
      return undefined;
  }
}

/** `value` with every intrinsic replaced by the string it stands for. */
export function resolveIntrinsics(
  value: unknown,
  template: { Resources: Resources },
  place: StackPlace,
): unknown {
  const resolve = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(resolve).filter((item) => item !== NO_VALUE);
    if (typeof node !== 'object' || node === null) return node;
    const entries = Object.entries(node);
    const [first] = entries;
    if (entries.length === 1 && first) {
      const [key, arg] = first;
      if (key === 'Ref') {
        const name = arg as string;
        return pseudo(place, name) ?? attribute(template.Resources, place, name, 'Ref');
      }
      if (key === 'Fn::GetAtt') {
        const [logicalId, name] = arg as [string, string];
        return attribute(template.Resources, place, logicalId, name);
      }
      if (key === 'Fn::Join') {
        const [separator, parts] = arg as [string, unknown[]];
        return parts.map((part) => String(resolve(part))).join(separator);
      }
      if (key.startsWith('Fn::')) throw new Error(`cannot resolve ${key} in a policy`);
    }
    return Object.fromEntries(entries.map(([k, v]) => [k, resolve(v)]));
  };
  return resolve(value);
}
