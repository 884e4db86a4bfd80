import { CreateTableCommand, DynamoDBClient, ResourceInUseException } from '@aws-sdk/client-dynamodb';
import {
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  EC2Client,
  ModifyVpcAttributeCommand,
} from '@aws-sdk/client-ec2';
import { CreateClusterCommand, ECSClient, RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateStateMachineCommand, SFNClient } from '@aws-sdk/client-sfn';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { alarmRulePattern } from '../../infra/alarm-rule-pattern';
import { clientConfig } from '../adapters/client-config';
import type { SpillwayConfig } from '../config/schema';
import { resourceNames } from '../runtime/env-names';
import { drainWorkflowDefinition } from '../workflow/drain-definition';
import { type DialectChange, toMotoDialect } from './moto-dialect';

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
 */
export async function provision(config: SpillwayConfig, endpoint: string): Promise<Provisioned> {
  const names = resourceNames(config.environment);
  const control = config.controlRegion;

  const dynamo = new DynamoDBClient(clientConfig(control, endpoint));
  await ignoreExisting(() =>
    dynamo.send(
      new CreateTableCommand({
        TableName: names.stateTable,
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
        ],
      }),
    ),
  );

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
  const pattern = alarmRulePattern(config);
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
  const substitutions: { region: string; placeholder: string; id: string }[] = [];
  const burstRegions = [...new Set(config.workloads.flatMap((w) => w.burstRegions.map((r) => r.region)))];
  for (const region of burstRegions) {
    const placeholders = config.workloads.flatMap((w) =>
      w.burstRegions.filter((r) => r.region === region).map((r) => r.network),
    );
    const ec2 = new EC2Client(clientConfig(region, endpoint));
    const vpc = await ec2.send(new CreateVpcCommand({ CidrBlock: '10.80.0.0/16' }));
    const vpcId = vpc.Vpc?.VpcId as string;
    // As in a real burst VPC: tasks get private DNS names (moto also needs it to attach ENIs).
    await ec2.send(new ModifyVpcAttributeCommand({ VpcId: vpcId, EnableDnsHostnames: { Value: true } }));
    const subnet = await ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: '10.80.1.0/24' }));
    const group = await ec2.send(
      new CreateSecurityGroupCommand({
        VpcId: vpcId,
        GroupName: 'spillway-burst',
        Description: 'Spillway burst tasks',
      }),
    );
    for (const placeholder of new Set(placeholders.flatMap((n) => n.subnets))) {
      substitutions.push({ region, placeholder, id: subnet.Subnet?.SubnetId as string });
    }
    for (const placeholder of new Set(placeholders.flatMap((n) => n.securityGroups))) {
      substitutions.push({ region, placeholder, id: group.GroupId as string });
    }

    const ecs = new ECSClient(clientConfig(region, endpoint));
    for (const workload of config.workloads) {
      for (const burstRegion of workload.burstRegions.filter((r) => r.region === region)) {
        await ecs.send(new CreateClusterCommand({ clusterName: burstRegion.cluster }));
        const { family, image, cpu, memoryMiB, containerPort } = burstRegion.taskDefinition;
        await ecs.send(
          new RegisterTaskDefinitionCommand({
            family,
            requiresCompatibilities: ['FARGATE'],
            networkMode: 'awsvpc',
            cpu: String(cpu),
            memory: String(memoryMiB),
            executionRoleArn: EMULATOR_ROLE,
            containerDefinitions: [
              {
                name: 'app',
                image,
                cpu,
                memory: memoryMiB,
                essential: true,
                portMappings: [{ containerPort }],
              },
            ],
          }),
        );
      }
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
    const machine = await sfn.send(
      new CreateStateMachineCommand({
        name: names.drainStateMachine,
        type: 'STANDARD',
        roleArn: EMULATOR_ROLE,
        definition: JSON.stringify(definition),
      }),
    );
    drainStateMachines[region] = machine.stateMachineArn as string;
  }

  return {
    stateTable: names.stateTable,
    signalsQueueUrl: queue.QueueUrl as string,
    signalsDlqUrl: dlq.QueueUrl as string,
    drainLedgerTable: names.drainLedgerTable,
    drainStateMachines,
    alarmRuleName,
    effectiveConfig: substituteNetwork(config, substitutions),
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
