import { readFile } from 'node:fs/promises';
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { wrap } from './errors';

/** A rotated secret reaches every container within this long, without a redeploy. */
export const TOKEN_CACHE_SECONDS = 300;

/** Every currently valid value of each named webhook secret. */
export type WebhookSecrets = Readonly<Record<string, readonly string[]>>;

/** The entry a plain-token secret (the layout before per-source secrets) stands for. */
export const LEGACY_ENTRY = 'alertmanager';

export class WebhookSecretError extends Error {
  override readonly name = 'WebhookSecretError';
}

const layout =
  'the webhook secret must be a token, {"tokens": ["…"]}, or {"<name>": "value" | ["new", "old"], …}';

/**
 * Reads the one JSON secret that holds every source's credentials (docs/ingest.md):
 * `{"alertmanager": ["new-token", "old-token"], "grafana": "hmac-key", "generic": "whsec_…"}`.
 * A value is a string or a list (a rotation in progress). The layout before per-source secrets, a
 * plain token or `{"tokens": [...]}`, still works and stands for the `alertmanager` entry.
 * Error messages never quote the secret's text.
 */
export function parseWebhookSecrets(secret: string): WebhookSecrets {
  const trimmed = secret.trim();
  if (!trimmed) throw new WebhookSecretError('webhook secret is empty');
  if (!trimmed.startsWith('{')) return { [LEGACY_ENTRY]: [trimmed] };
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch {
    // JSON.parse quotes the text around the error: never let a secret reach a log that way.
    throw new WebhookSecretError('webhook secret starts with { but is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new WebhookSecretError(layout);
  const secrets: Record<string, readonly string[]> = {};
  for (const [name, value] of Object.entries(parsed)) {
    const values = typeof value === 'string' ? [value] : value;
    if (
      !Array.isArray(values) ||
      values.length === 0 ||
      values.some((v) => typeof v !== 'string' || v === '')
    ) {
      throw new WebhookSecretError(`${layout}; entry '${name.slice(0, 64)}' is neither`);
    }
    secrets[name === 'tokens' ? LEGACY_ENTRY : name] = values as string[];
  }
  return secrets;
}

/** The legacy reader: the bearer tokens of the `alertmanager` entry. */
export function parseTokens(secret: string): readonly string[] {
  const tokens = parseWebhookSecrets(secret)[LEGACY_ENTRY];
  if (!tokens) throw new WebhookSecretError('webhook secret must be a token or {"tokens": ["…"]}');
  return tokens;
}

const lookup = (secrets: WebhookSecrets, name: string) =>
  Object.hasOwn(secrets, name) ? (secrets[name] ?? []) : [];

/**
 * The webhook secrets in one Secrets Manager secret. Fetched on first use, not at cold start, and
 * cached for TOKEN_CACHE_SECONDS, so a rotation needs no redeploy; a failed read is not cached.
 */
export function secretsManagerSecrets(
  client: SecretsManagerClient,
  secretArn: string,
  clock: () => Date = () => new Date(),
): (name: string) => Promise<readonly string[]> {
  let cached: { secrets: WebhookSecrets; until: number } | undefined;
  return async (name) => {
    const now = clock().getTime();
    if (!cached || now >= cached.until) {
      let text: string | undefined;
      try {
        text = (await client.send(new GetSecretValueCommand({ SecretId: secretArn }))).SecretString;
      } catch (error) {
        throw wrap('secretsmanager', 'GetSecretValue', error);
      }
      cached = { secrets: parseWebhookSecrets(text ?? ''), until: now + TOKEN_CACHE_SECONDS * 1000 };
    }
    return lookup(cached.secrets, name);
  };
}

export interface LocalSecretsOptions {
  /** The local runtime's token: the value of every entry the JSON and the file do not name. */
  readonly token?: string | undefined;
  /** The same JSON layout, from an environment variable. */
  readonly json?: string | undefined;
  /** A file with the same JSON layout, re-read at most every few seconds so edits apply live. */
  readonly file?: string | undefined;
  readonly clock?: () => Date;
}

/**
 * The local runtime's secrets: JSON from the environment or a file, and the printed token for
 * every source they leave out, so `make run` and `make demo` work with one token.
 */
export function localSecrets(options: LocalSecretsOptions): (name: string) => Promise<readonly string[]> {
  const fromJson = options.json ? parseWebhookSecrets(options.json) : {};
  const clock = options.clock ?? (() => new Date());
  let fileCache: { secrets: WebhookSecrets; until: number } | undefined;
  return async (name) => {
    let fromFile: WebhookSecrets = {};
    if (options.file) {
      const now = clock().getTime();
      if (!fileCache || now >= fileCache.until) {
        fileCache = { secrets: parseWebhookSecrets(await readFile(options.file, 'utf8')), until: now + 5000 };
      }
      fromFile = fileCache.secrets;
    }
    const named = lookup(fromFile, name).length > 0 ? lookup(fromFile, name) : lookup(fromJson, name);
    if (named.length > 0) return named;
    return options.token ? [options.token] : [];
  };
}
