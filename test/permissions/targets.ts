import { resourceNames } from '../../src/runtime/env-names';

/**
 * What a call targets, in words every environment understands: the recorded calls name the local
 * environment's resources, and each environment has its own names, regions and clusters.
 */
export type TargetKind =
  | 'stateTable'
  | 'signalsQueue'
  | 'signalsDlq'
  | 'webhookSecret'
  | 'drainLedger'
  | 'drainStateMachine'
  | 'drainExecution'
  | 'taskDefinition'
  | 'task'
  /** ListTasks: no resource, the cluster is a condition key. */
  | 'clusterTasks'
  | 'targetGroup';

/** One workload's burst region of an environment, as ARNs. */
export interface Placement {
  readonly region: string;
  readonly clusterArn: string;
  readonly family: string;
  readonly targetGroupArn?: string;
  /** The roles RunTask passes to ECS: the task definition's task and execution roles. */
  readonly passedRoles: readonly string[];
}

/** The ARNs of one environment's resources, as the functions will address them on AWS. */
export interface EnvironmentResources {
  readonly environment: string;
  readonly account: string;
  readonly controlRegion: string;
  readonly placements: readonly Placement[];
  readonly webhookSecretArn: string;
}

/** One concrete request of a kind in an environment. */
export interface Instance {
  readonly resource: string;
  readonly region: string;
  readonly clusterArn?: string;
  readonly placement?: Placement;
}

/** Which of an environment's resources a recorded ARN (or `*`) is; undefined when none. */
export function classify(resource: string, action: string, environment: string): TargetKind | undefined {
  const names = resourceNames(environment);
  if (resource === '*') return action === 'ecs:ListTasks' ? 'clusterTasks' : undefined;
  const [, , service, , , rest = ''] = resource.split(':');
  const tail = resource.split(':').slice(5).join(':');
  switch (service) {
    case 'dynamodb':
      if (tail === `table/${names.stateTable}`) return 'stateTable';
      if (tail === `table/${names.drainLedgerTable}`) return 'drainLedger';
      return undefined;
    case 'sqs':
      if (rest === names.signalsQueue) return 'signalsQueue';
      if (rest === names.signalsDlq) return 'signalsDlq';
      return undefined;
    case 'states':
      if (tail === `stateMachine:${names.drainStateMachine}`) return 'drainStateMachine';
      if (tail.startsWith(`execution:${names.drainStateMachine}:`)) return 'drainExecution';
      return undefined;
    case 'ecs':
      if (tail.startsWith('task-definition/')) return 'taskDefinition';
      if (tail.startsWith('task/')) return 'task';
      return undefined;
    case 'elasticloadbalancing':
      return tail.startsWith('targetgroup/') ? 'targetGroup' : undefined;
    case 'secretsmanager':
      return tail.startsWith(`secret:spillway/${environment}/webhook-token`) ? 'webhookSecret' : undefined;
    default:
      return undefined;
  }
}

const distinctBy = <T>(items: readonly T[], key: (item: T) => string): T[] => [
  ...new Map(items.map((item) => [key(item), item])).values(),
];

/**
 * Every resource of `kind` in the environment (in `region` only, when given): a call recorded on one
 * local resource must be allowed on each resource of its kind, in every region it may run in.
 */
export function instancesOf(kind: TargetKind, env: EnvironmentResources, region?: string): Instance[] {
  const { account, controlRegion, environment } = env;
  const names = resourceNames(environment);
  const placements = env.placements.filter((p) => region === undefined || p.region === region);
  const regions = [...new Set(placements.map((p) => p.region))];
  const control = (resource: string): Instance[] => [{ resource, region: controlRegion }];
  switch (kind) {
    case 'stateTable':
      return control(`arn:aws:dynamodb:${controlRegion}:${account}:table/${names.stateTable}`);
    case 'signalsQueue':
      return control(`arn:aws:sqs:${controlRegion}:${account}:${names.signalsQueue}`);
    case 'signalsDlq':
      return control(`arn:aws:sqs:${controlRegion}:${account}:${names.signalsDlq}`);
    case 'webhookSecret':
      return control(env.webhookSecretArn);
    case 'drainLedger':
      return regions.map((r) => ({
        resource: `arn:aws:dynamodb:${r}:${account}:table/${names.drainLedgerTable}`,
        region: r,
      }));
    case 'drainStateMachine':
      return regions.map((r) => ({
        resource: `arn:aws:states:${r}:${account}:stateMachine:${names.drainStateMachine}`,
        region: r,
      }));
    case 'drainExecution':
      return regions.map((r) => ({
        resource: `arn:aws:states:${r}:${account}:execution:${names.drainStateMachine}:checkout-api-0123abcd`,
        region: r,
      }));
    case 'taskDefinition':
      return placements.map((p) => ({
        resource: `arn:aws:ecs:${p.region}:${account}:task-definition/${p.family}:7`,
        region: p.region,
        clusterArn: p.clusterArn,
        placement: p,
      }));
    case 'task':
      return distinctBy(placements, (p) => p.clusterArn).map((p) => ({
        resource: `arn:aws:ecs:${p.region}:${account}:task/${p.clusterArn.split('/').pop()}/0123456789abcdef`,
        region: p.region,
        clusterArn: p.clusterArn,
      }));
    case 'clusterTasks':
      return distinctBy(placements, (p) => p.clusterArn).map((p) => ({
        resource: '*',
        region: p.region,
        clusterArn: p.clusterArn,
      }));
    case 'targetGroup':
      return distinctBy(
        placements.filter((p) => p.targetGroupArn),
        (p) => p.targetGroupArn as string,
      ).map((p) => ({ resource: p.targetGroupArn as string, region: p.region }));
  }
}
