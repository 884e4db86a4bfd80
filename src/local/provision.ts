import { CreateTableCommand, DynamoDBClient, ResourceInUseException } from '@aws-sdk/client-dynamodb';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ECSClient } from '@aws-sdk/client-ecs';
import { EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { SFNClient } from '@aws-sdk/client-sfn';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { alarmRulePattern } from '../../infra/alarm-rule-pattern';
import { clientConfig } from '../adapters/client-config';
import type { SpillwayConfig } from '../config/schema';
import { resourceNames } from '../runtime/env-names';
import { drainWorkflowDefinition } from '../workflow/drain-definition';
import { type BurstNetwork, ensureBurstNetwork } from './burst-network';
import { ensureCluster, ensureStateMachine, ensureTaskDefinition } from './burst-resources';
import { type DialectChange, toMotoDialect } from './moto-dialect';
import { stateTableInput } from './state-table';

/** Everything the local runtime created, and the config as the functions must see it. */
export interface Provisioned {
  readonly stateTable: string;
  readonly signalsQueueUrl: string;
  readonly signalsDlqUrl: string;
  readonly drainLedgerTable: string;
  readonly drainStateMachines: Readonly<Record<string, string>>;
  readonly alarmRuleName: string;
  /** The config with the placeholder network ids replaced by the ones created in the emulator. */
  readonly effectiveConfig: SpillwayConfig;
  /** Per burst region, the network created in the emulator. */
  readonly burstNetworks: Readonly<Record<string, BurstNetwork>>;
  readonly networkSubstitutions: readonly { region: string; placeholder: string; id: string }[];
  readonly dialectChanges: readonly DialectChange[];
}

/** Local retry pace: a failed message is visible again after this long (Lambda uses the queue's timeout). */
export const LOCAL_VISIBILITY_SECONDS = 30;
export const MAX_RECEIVE_COUNT = 5;
const EMULATOR_ROLE = 'arn:aws:iam::123456789012:role/spillway-local';

const ignoreExisting = async (create: () => Promise<unknown>) => {
  try {
    await create();
  } catch (error) {
    if (
      !(error instanceof ResourceInUseException) &&
      !/already exists|in use/i.test((error as Error).message)
    )
      throw error;
  }
};

/**
 * Creates in the emulator what the CDK stacks create on AWS: the state table and signals queue
 * (with its dead-letter queue) in the control region, the alarm rule, and per burst region a
 * network, the ECS clusters and task definitions, the drain ledger and the drain state machine.
 * Given the networks of an earlier run (`previous`), it recreates them with the same ids: what
 * recovery does after the emulator restarted empty. What the emulator already holds is kept, so a
 * runtime can start again on an emulator an earlier one provisioned, and find its signals there.
 */
export async function provision(
  config: SpillwayConfig,
  endpoint: string,
  previous?: { readonly burstNetworks: Readonly<Record<string, BurstNetwork>> },
  /** Told each region's step as it starts: a first start is half a minute of this. */
  progress: (line: string) => void = () => {},
): Promise<Provisioned> {
  const names = resourceNames(config.environment);
  const control = config.controlRegion;
  const pattern = alarmRulePattern(config);
  progress(
    `provisioning ${control}: state table ${names.stateTable}, signals queue and dead-letter queue${pattern ? ', alarm rule' : ''}`,
  );

  const dynamo = new DynamoDBClient(clientConfig(control, endpoint));
  await ignoreExisting(() => dynamo.send(new CreateTableCommand(stateTableInput(names.stateTable))));

  const sqs = new SQSClient(clientConfig(control, endpoint));
  const dlq = await sqs.send(new CreateQueueCommand({ QueueName: names.signalsDlq }));
  const dlqAttributes = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ['QueueArn'] }),
  );
  const queue = await sqs.send(
    new CreateQueueCommand({
      QueueName: names.signalsQueue,
      Attributes: {
        VisibilityTimeout: String(LOCAL_VISIBILITY_SECONDS),
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: dlqAttributes.Attributes?.QueueArn,
          maxReceiveCount: MAX_RECEIVE_COUNT,
        }),
      },
    }),
  );
  const queueAttributes = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queue.QueueUrl, AttributeNames: ['QueueArn'] }),
  );

  const alarmRuleName = `spillway-${config.environment}-alarm-state-change`;
  if (pattern) {
    const events = new EventBridgeClient(clientConfig(control, endpoint));
    await events.send(new PutRuleCommand({ Name: alarmRuleName, EventPattern: JSON.stringify(pattern) }));
    await events.send(
      new PutTargetsCommand({
        Rule: alarmRuleName,
        Targets: [{ Id: 'signals-queue', Arn: queueAttributes.Attributes?.QueueArn }],
      }),
    );
  }

  const { definition, changes } = toMotoDialect(drainWorkflowDefinition());
  const drainStateMachines: Record<string, string> = {};
  const burstNetworks: Record<string, BurstNetwork> = {};
  const substitutions: { region: string; placeholder: string; id: string }[] = [];
  const burstRegions = [...new Set(config.workloads.flatMap((w) => w.burstRegions.map((r) => r.region)))];
  for (const region of burstRegions) {
    const inRegion = config.workloads.flatMap((w) => w.burstRegions.filter((r) => r.region === region));
    const clusters = [...new Set(inRegion.map((r) => r.cluster))];
    const taskDefinitions = new Set(inRegion.map((r) => JSON.stringify(r.taskDefinition)));
    progress(
      `provisioning ${region}: network, ECS cluster ${clusters.join(', ')}, ${taskDefinitions.size} task definition(s), drain ledger, drain state machine`,
    );
    const placeholders = inRegion.map((r) => r.network);
    const network = await ensureBurstNetwork(
      new EC2Client(clientConfig(region, endpoint)),
      endpoint,
      region,
      previous?.burstNetworks[region],
    );
    burstNetworks[region] = network;
    for (const placeholder of new Set(placeholders.flatMap((n) => n.subnets))) {
      substitutions.push({ region, placeholder, id: network.subnetId });
    }
    for (const placeholder of new Set(placeholders.flatMap((n) => n.securityGroups))) {
      substitutions.push({ region, placeholder, id: network.securityGroupId });
    }

    const ecs = new ECSClient(clientConfig(region, endpoint));
    for (const cluster of clusters) await ensureCluster(ecs, cluster);
    const registered = new Set<string>();
    for (const burstRegion of inRegion) {
      const { family, image, cpu, memoryMiB, containerPort } = burstRegion.taskDefinition;
      // Workloads sharing a task definition register it once, not once each.
      const key = JSON.stringify(burstRegion.taskDefinition);
      if (registered.has(key)) continue;
      registered.add(key);
      await ensureTaskDefinition(ecs, {
        family,
        requiresCompatibilities: ['FARGATE'],
        networkMode: 'awsvpc',
        cpu: String(cpu),
        memory: String(memoryMiB),
        executionRoleArn: EMULATOR_ROLE,
        containerDefinitions: [
          { name: 'app', image, cpu, memory: memoryMiB, essential: true, portMappings: [{ containerPort }] },
        ],
      });
    }

    const regionalDynamo = new DynamoDBClient(clientConfig(region, endpoint));
    await ignoreExisting(() =>
      regionalDynamo.send(
        new CreateTableCommand({
          TableName: names.drainLedgerTable,
          BillingMode: 'PAY_PER_REQUEST',
          KeySchema: [{ AttributeName: 'taskArn', KeyType: 'HASH' }],
          AttributeDefinitions: [{ AttributeName: 'taskArn', AttributeType: 'S' }],
        }),
      ),
    );
    const sfn = new SFNClient(clientConfig(region, endpoint));
    drainStateMachines[region] = await ensureStateMachine(sfn, {
      name: names.drainStateMachine,
      roleArn: EMULATOR_ROLE,
      definition: JSON.stringify(definition),
    });
  }

  return {
    stateTable: names.stateTable,
    signalsQueueUrl: queue.QueueUrl as string,
    signalsDlqUrl: dlq.QueueUrl as string,
    drainLedgerTable: names.drainLedgerTable,
    drainStateMachines,
    alarmRuleName,
    effectiveConfig: substituteNetwork(config, substitutions),
    burstNetworks,
    networkSubstitutions: substitutions,
    dialectChanges: changes,
  };
}

function substituteNetwork(
  config: SpillwayConfig,
  substitutions: readonly { region: string; placeholder: string; id: string }[],
): SpillwayConfig {
  const swap = (region: string, ids: readonly string[]) =>
    ids.map((id) => substitutions.find((s) => s.region === region && s.placeholder === id)?.id ?? id);
  return {
    ...config,
    workloads: config.workloads.map((workload) => ({
      ...workload,
      burstRegions: workload.burstRegions.map((burstRegion) => ({
        ...burstRegion,
        network: {
          ...burstRegion.network,
          subnets: swap(burstRegion.region, burstRegion.network.subnets),
          securityGroups: swap(burstRegion.region, burstRegion.network.securityGroups),
        },
      })),
    })),
  };
}

/**
 * What differs between two provisionings of the same config: the names and ids the functions
 * loaded at start, so any difference means they now address resources that do not exist.
 */
export function provisionDrift(before: Provisioned, after: Provisioned): string[] {
  const drift: string[] = [];
  const compare = (what: string, was: string | undefined, now: string | undefined) => {
    if (was !== now) drift.push(`${what}: ${was ?? 'none'} → ${now ?? 'none'}`);
  };
  compare('state table', before.stateTable, after.stateTable);
  compare('signals queue', before.signalsQueueUrl, after.signalsQueueUrl);
  compare('dead-letter queue', before.signalsDlqUrl, after.signalsDlqUrl);
  compare('drain ledger', before.drainLedgerTable, after.drainLedgerTable);
  for (const region of new Set([
    ...Object.keys(before.drainStateMachines),
    ...Object.keys(after.drainStateMachines),
  ])) {
    compare(
      `drain state machine in ${region}`,
      before.drainStateMachines[region],
      after.drainStateMachines[region],
    );
  }
  for (const was of before.networkSubstitutions) {
    const now = after.networkSubstitutions.find(
      (s) => s.region === was.region && s.placeholder === was.placeholder,
    );
    compare(`${was.placeholder} in ${was.region}`, was.id, now?.id);
  }
  return drift;
}
