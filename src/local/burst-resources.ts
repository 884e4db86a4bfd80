import {
  ClientException,
  CreateClusterCommand,
  DescribeClustersCommand,
  DescribeTaskDefinitionCommand,
  type ECSClient,
  RegisterTaskDefinitionCommand,
  type RegisterTaskDefinitionCommandInput,
  type TaskDefinition,
} from '@aws-sdk/client-ecs';
import {
  CreateStateMachineCommand,
  DescribeStateMachineCommand,
  paginateListStateMachines,
  type SFNClient,
  UpdateStateMachineCommand,
} from '@aws-sdk/client-sfn';

/*
 * The ECS and Step Functions resources of a burst region, made so that a start against an
 * emulator that already holds them (a runtime resumed after a crash, or a second runtime on a
 * shared emulator) keeps what is there: moto's CreateCluster replaces an existing cluster,
 * RegisterTaskDefinition adds a revision each time, and CreateStateMachine keeps an old
 * definition without a word.
 */

/** A cluster with both Fargate capacity providers, unless an active one of that name exists. */
export async function ensureCluster(ecs: ECSClient, clusterName: string): Promise<void> {
  const found = await ecs.send(new DescribeClustersCommand({ clusters: [clusterName] }));
  if (found.clusters?.some((cluster) => cluster.status === 'ACTIVE')) return;
  // As the burst stack creates it: Spot launches name FARGATE_SPOT in a capacity provider
  // strategy; a launch that names none gets FARGATE.
  await ecs.send(
    new CreateClusterCommand({
      clusterName,
      capacityProviders: ['FARGATE', 'FARGATE_SPOT'],
      defaultCapacityProviderStrategy: [{ capacityProvider: 'FARGATE', weight: 1 }],
    }),
  );
}

const shape = (d: Pick<TaskDefinition, 'cpu' | 'memory' | 'executionRoleArn' | 'containerDefinitions'>) =>
  JSON.stringify({
    cpu: d.cpu,
    memory: d.memory,
    role: d.executionRoleArn,
    containers: d.containerDefinitions?.map((c) => ({
      name: c.name,
      image: c.image,
      cpu: c.cpu,
      memory: c.memory,
      ports: c.portMappings?.map((p) => p.containerPort),
    })),
  });

/** Registers a revision only when the family has none, or its latest differs from `wanted`. */
export async function ensureTaskDefinition(
  ecs: ECSClient,
  wanted: RegisterTaskDefinitionCommandInput,
): Promise<void> {
  try {
    const latest = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: wanted.family }));
    if (latest.taskDefinition && shape(latest.taskDefinition) === shape(wanted)) return;
  } catch (error) {
    // What ECS answers for a family with no active revision.
    if (!(error instanceof ClientException)) throw error;
  }
  await ecs.send(new RegisterTaskDefinitionCommand(wanted));
}

async function findStateMachine(sfn: SFNClient, name: string): Promise<string | undefined> {
  for await (const page of paginateListStateMachines({ client: sfn }, {})) {
    const found = page.stateMachines?.find((machine) => machine.name === name);
    if (found) return found.stateMachineArn;
  }
  return undefined;
}

/** The state machine's ARN; an existing one gets `definition` if it holds another. */
export async function ensureStateMachine(
  sfn: SFNClient,
  machine: { name: string; roleArn: string; definition: string },
): Promise<string> {
  const existing = await findStateMachine(sfn, machine.name);
  if (!existing) {
    const created = await sfn.send(new CreateStateMachineCommand({ ...machine, type: 'STANDARD' }));
    return created.stateMachineArn as string;
  }
  const current = await sfn.send(new DescribeStateMachineCommand({ stateMachineArn: existing }));
  if (current.definition !== machine.definition) {
    await sfn.send(
      new UpdateStateMachineCommand({ stateMachineArn: existing, definition: machine.definition }),
    );
  }
  return existing;
}
