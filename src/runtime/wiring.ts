import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ECSClient } from '@aws-sdk/client-ecs';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SQSClient } from '@aws-sdk/client-sqs';
import { BurstCompute } from '../adapters/burst-compute';
import { clientConfig, perRegion } from '../adapters/client-config';
import { DrainLedger } from '../adapters/drain-ledger';
import { DrainStarter } from '../adapters/drain-starter';
import { SignalQueue } from '../adapters/signal-queue';
import { StateStore } from '../adapters/state-store';
import { secretsManagerTokens } from '../adapters/webhook-tokens';
import type { IngestDeps, Log, ReconcileDeps } from '../usecases/ports';
import { required, type Settings } from './settings';

/**
 * Builds the adapters a function needs from its settings. Called once per container, at module
 * scope: clients are created here but make no network call until first used.
 */
export function decideDeps(settings: Settings, log: Log): ReconcileDeps {
  const { config, awsEndpoint } = settings;
  const dynamoFor = perRegion((region) => new DynamoDBClient(clientConfig(region, awsEndpoint)));
  const ecsFor = perRegion((region) => new ECSClient(clientConfig(region, awsEndpoint)));
  const sfnFor = perRegion((region) => new SFNClient(clientConfig(region, awsEndpoint)));
  const drainLedgerTable = required(settings, 'drainLedgerTable');
  return {
    config,
    store: new StateStore(
      required(settings, 'stateTable'),
      dynamoFor(config.controlRegion),
      config.decisionLogRetentionDays,
    ),
    compute: new BurstCompute(ecsFor),
    drains: new DrainStarter(sfnFor, settings.drainStateMachines),
    ledger: new DrainLedger(dynamoFor, drainLedgerTable),
    drainLedgerTable,
    clock: () => new Date(),
    log,
  };
}

export function ingestDeps(settings: Settings, log: Log): IngestDeps {
  const { config, awsEndpoint } = settings;
  const queue = new SignalQueue(
    new SQSClient(clientConfig(config.controlRegion, awsEndpoint)),
    required(settings, 'signalsQueueUrl'),
  );
  let webhookTokens: IngestDeps['webhookTokens'];
  if (settings.webhookTokenSecretArn) {
    const client = new SecretsManagerClient(clientConfig(config.controlRegion, awsEndpoint));
    webhookTokens = secretsManagerTokens(client, settings.webhookTokenSecretArn);
  } else {
    const token = required(settings, 'webhookToken');
    webhookTokens = async () => [token];
  }
  return { config, queue, webhookTokens, clock: () => new Date(), log };
}
