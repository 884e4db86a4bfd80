import type { Log } from './ports';

/**
 * Larger bodies are refused with 413 before anything else reads them; Alertmanager groups of a few
 * thousand alerts stay well below.
 */
export const MAX_BODY_BYTES = 1024 * 1024;

/** How long a sender should wait before retrying when Spillway could not take its alerts. */
export const RETRY_AFTER_SECONDS = 5;

export interface WebhookResponse {
  readonly statusCode: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body: Readonly<Record<string, unknown>>;
}

/** A refusal: its status, a stable error code and a message naming the problem. */
export const problem = (
  statusCode: number,
  error: string,
  message: string,
  extra: Record<string, unknown> = {},
): WebhookResponse => ({ statusCode, body: { error, message, ...extra } });

/** 503 with Retry-After: nothing was taken, and the sender's retry loses nothing. */
export const unavailable = (message: string): WebhookResponse => ({
  ...problem(503, 'unavailable', message),
  headers: { 'retry-after': String(RETRY_AFTER_SECONDS) },
});

export const unauthorized = (): WebhookResponse =>
  problem(401, 'unauthorized', 'missing or invalid credentials');

/** The body as bytes, or the 413 that refuses it: the first thing said about any request. */
export function bodyWithinLimit(body: Uint8Array | string): { bytes: Buffer } | { refused: WebhookResponse } {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body);
  return bytes.length > MAX_BODY_BYTES
    ? { refused: problem(413, 'payload_too_large', `body exceeds ${MAX_BODY_BYTES} bytes`) }
    : { bytes };
}

/**
 * The values of the secret a request is checked against, or the 503 that says they cannot be read
 * right now (logged: a secret store that cannot be read refuses every sender).
 */
export async function secretValues(
  name: string,
  source: string,
  deps: { readonly secrets: (name: string) => Promise<readonly string[]>; readonly log: Log },
): Promise<{ values: readonly string[] } | { refused: WebhookResponse }> {
  try {
    return { values: await deps.secrets(name) };
  } catch (error) {
    deps.log.error('webhook secret store unavailable', { source, error: (error as Error).message });
    return { refused: unavailable('credentials cannot be checked right now; retry') };
  }
}
