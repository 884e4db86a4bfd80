import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { clientConfig } from '../adapters/client-config';
import { SignalQueue } from '../adapters/signal-queue';
import { secretsManagerTokens } from '../adapters/webhook-tokens';
import type { IngestDeps, Log } from '../usecases/ports';
import { required, type Settings } from './settings';

/** The adapters of the ingest function, built once per container; the token is fetched on first use. */
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
