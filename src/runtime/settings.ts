import type { SpillwayConfig } from '../config/schema';
import { readSealedConfig } from '../config/sealed';
import { ENV } from './env-names';

/** Everything a function needs from its environment, read and validated once at cold start. */
export interface Settings {
  readonly config: SpillwayConfig;
  readonly stateTable: string | undefined;
  readonly signalsQueueUrl: string | undefined;
  readonly drainLedgerTable: string | undefined;
  readonly drainStateMachines: Readonly<Record<string, string>>;
  readonly awsEndpoint: string | undefined;
  readonly webhookToken: string | undefined;
  readonly webhookTokenSecretArn: string | undefined;
  readonly webhookSecretsJson: string | undefined;
  readonly webhookSecretsFile: string | undefined;
  readonly snsCertificateFile: string | undefined;
}

export class SettingsError extends Error {
  override readonly name = 'SettingsError';
}

function parseStateMachines(raw: string | undefined): Record<string, string> {
  if (!raw) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (cause) {
    throw new SettingsError(`${ENV.drainStateMachines} is not JSON: ${(cause as Error).message}`, { cause });
  }
  if (
    typeof parsed !== 'object' ||
    parsed === null ||
    Object.values(parsed).some((v) => typeof v !== 'string')
  ) {
    throw new SettingsError(`${ENV.drainStateMachines} must be a JSON object of region to state machine ARN`);
  }
  return parsed as Record<string, string>;
}

export function readSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  const configPath = env[ENV.config];
  if (!configPath) throw new SettingsError(`${ENV.config} is not set: it must name the Spillway config file`);
  return Object.freeze({
    config: readSealedConfig(configPath),
    stateTable: env[ENV.stateTable],
    signalsQueueUrl: env[ENV.signalsQueueUrl],
    drainLedgerTable: env[ENV.drainLedgerTable],
    drainStateMachines: Object.freeze(parseStateMachines(env[ENV.drainStateMachines])),
    awsEndpoint: env[ENV.awsEndpoint] || undefined,
    webhookToken: env[ENV.webhookToken] || undefined,
    webhookTokenSecretArn: env[ENV.webhookTokenSecretArn] || undefined,
    webhookSecretsJson: env[ENV.webhookSecrets] || undefined,
    webhookSecretsFile: env[ENV.webhookSecretsFile] || undefined,
    snsCertificateFile: env[ENV.snsCertificateFile] || undefined,
  });
}

/** Fails fast, at cold start, when a function is deployed without a setting it needs. */
export function required<K extends keyof Settings>(settings: Settings, key: K): NonNullable<Settings[K]> {
  const value = settings[key];
  if (value === undefined || value === null || value === '') {
    throw new SettingsError(
      `setting ${String(key)} is required by this function but its variable is not set`,
    );
  }
  return value as NonNullable<Settings[K]>;
}
