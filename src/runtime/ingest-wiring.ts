import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { clientConfig } from '../adapters/client-config';
import { SignalQueue } from '../adapters/signal-queue';
import { snsFromFile, snsHttps } from '../adapters/sns-certificates';
import { localSecrets, secretsManagerSecrets } from '../adapters/webhook-tokens';
import type { IngestWebhookDeps } from '../usecases/ingest-webhook';
import type { Log } from '../usecases/ports';
import { observed } from './client-hooks';
import { required, type Settings, SettingsError } from './settings';

/**
 * The adapters of the ingest function, built once per container; secrets are fetched on first use.
 * On AWS the secrets come from Secrets Manager; the local runtime sets a token and optionally JSON.
 */
export function ingestDeps(settings: Settings, log: Log): IngestWebhookDeps {
  const { config, awsEndpoint } = settings;
  const queue = new SignalQueue(
    observed('ingest', new SQSClient(clientConfig(config.controlRegion, awsEndpoint))),
    required(settings, 'signalsQueueUrl'),
  );
  let secrets: IngestWebhookDeps['secrets'];
  if (settings.webhookTokenSecretArn) {
    const client = observed(
      'ingest',
      new SecretsManagerClient(clientConfig(config.controlRegion, awsEndpoint)),
    );
    secrets = secretsManagerSecrets(client, settings.webhookTokenSecretArn);
  } else {
    if (!settings.webhookToken && !settings.webhookSecretsJson && !settings.webhookSecretsFile) {
      required(settings, 'webhookTokenSecretArn');
    }
    secrets = localSecrets({
      token: settings.webhookToken,
      json: settings.webhookSecretsJson,
      file: settings.webhookSecretsFile,
    });
  }
  let sns = snsHttps();
  if (settings.snsCertificateFile) {
    // A stand-in certificate must never be trusted next to real AWS: only with an emulator.
    if (!awsEndpoint) {
      throw new SettingsError(
        'SPILLWAY_SNS_CERTIFICATE_FILE is for the local runtime only (set with an emulator)',
      );
    }
    sns = snsFromFile(settings.snsCertificateFile, (message) => log.warn(message));
  }
  return { config, queue, secrets, sns, clock: () => new Date(), log };
}
