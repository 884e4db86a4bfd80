import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { wrap } from './errors';

/** A rotated secret reaches every container within this long, without a redeploy. */
export const TOKEN_CACHE_SECONDS = 300;

/**
 * Webhook bearer tokens kept in Secrets Manager: either the plain token, or JSON
 * `{"tokens": ["new", "old"]}` while a rotation is in progress. Fetched on first use, not at cold
 * start, and cached.
 */
export function secretsManagerTokens(
  client: SecretsManagerClient,
  secretArn: string,
  clock: () => Date = () => new Date(),
): () => Promise<readonly string[]> {
  let cached: { tokens: readonly string[]; until: number } | undefined;
  return async () => {
    const now = clock().getTime();
    if (cached && now < cached.until) return cached.tokens;
    let secret: string | undefined;
    try {
      secret = (await client.send(new GetSecretValueCommand({ SecretId: secretArn }))).SecretString;
    } catch (error) {
      throw wrap('secretsmanager', 'GetSecretValue', error);
    }
    const tokens = parseTokens(secret ?? '');
    cached = { tokens, until: now + TOKEN_CACHE_SECONDS * 1000 };
    return tokens;
  };
}

export function parseTokens(secret: string): readonly string[] {
  const trimmed = secret.trim();
  if (trimmed.startsWith('{')) {
    let parsed: { tokens?: unknown };
    try {
      parsed = JSON.parse(trimmed) as { tokens?: unknown };
    } catch {
      // JSON.parse quotes the text around the error: never let a secret reach a log that way.
      throw new Error('webhook token secret starts with { but is not valid JSON');
    }
    if (
      !Array.isArray(parsed.tokens) ||
      parsed.tokens.length === 0 ||
      parsed.tokens.some((t) => typeof t !== 'string' || t === '')
    ) {
      throw new Error('webhook token secret must be a token or {"tokens": ["…"]}');
    }
    return parsed.tokens as string[];
  }
  if (!trimmed) throw new Error('webhook token secret is empty');
  return [trimmed];
}
