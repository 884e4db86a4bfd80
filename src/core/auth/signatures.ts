import { createHmac } from 'node:crypto';
import { matchesAny } from './constant-time';
import { type AuthVerdict, accepted, type Headers, refused } from './verdict';

export interface Signed {
  readonly headers: Headers;
  /** The body bytes exactly as received: a signature covers bytes, never a re-serialised object. */
  readonly body: Uint8Array;
  readonly now: Date;
}

const hmac = (key: Uint8Array | string, ...parts: (Uint8Array | string)[]) => {
  const mac = createHmac('sha256', key);
  for (const part of parts) mac.update(part);
  return mac.digest();
};

/** Unix seconds within `windowSeconds` of now, either way. */
function fresh(timestamp: string, now: Date, windowSeconds: number): boolean {
  if (!/^\d{1,12}$/.test(timestamp)) return false;
  return Math.abs(now.getTime() / 1000 - Number(timestamp)) <= windowSeconds;
}

export interface GrafanaHmacOptions {
  readonly signatureHeader: string;
  readonly timestampHeader?: string | undefined;
  readonly replayWindowSeconds: number;
}

/**
 * Grafana's webhook HMAC (Grafana 12+): hex HMAC-SHA256 of the body, or of `timestamp:body` when
 * a timestamp header is configured, in which case the timestamp must also be fresh.
 */
export function verifyGrafanaHmac(
  request: Signed,
  secrets: readonly string[],
  options: GrafanaHmacOptions,
): AuthVerdict {
  const signature = request.headers[options.signatureHeader]?.trim();
  if (!signature) return refused('missing_credentials');
  if (!/^[0-9a-fA-F]{64}$/.test(signature)) return refused('malformed_credentials');
  let prefix = '';
  if (options.timestampHeader) {
    const timestamp = request.headers[options.timestampHeader]?.trim();
    if (!timestamp) return refused('missing_credentials');
    if (!fresh(timestamp, request.now, options.replayWindowSeconds)) return refused('stale_timestamp');
    prefix = `${timestamp}:`;
  }
  const presented = Buffer.from(signature, 'hex');
  const expected = secrets.map((secret) => hmac(secret, prefix, request.body));
  return matchesAny(presented, expected) ? accepted : refused('bad_credentials');
}

/** Standard Webhooks secrets are `whsec_` + base64 of the key bytes. */
export function standardWebhooksKey(secret: string): Buffer {
  return Buffer.from(secret.startsWith('whsec_') ? secret.slice(6) : secret, 'base64');
}

/**
 * Standard Webhooks (https://www.standardwebhooks.com/), version 1: `webhook-signature` lists
 * space-separated `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`; any one matching any secret
 * is enough, which is how both sides rotate secrets.
 */
export function verifyStandardWebhooks(
  request: Signed,
  secrets: readonly string[],
  replayWindowSeconds: number,
): AuthVerdict {
  const id = request.headers['webhook-id']?.trim();
  const timestamp = request.headers['webhook-timestamp']?.trim();
  const header = request.headers['webhook-signature']?.trim();
  if (!id || !timestamp || !header) return refused('missing_credentials');
  if (id.length > 256 || /[^\x21-\x7e]/.test(id)) return refused('malformed_credentials');
  if (!fresh(timestamp, request.now, replayWindowSeconds)) return refused('stale_timestamp');
  const presented = header
    .split(' ')
    .filter((entry) => entry.startsWith('v1,'))
    .map((entry) => Buffer.from(entry.slice(3), 'base64'))
    .filter((bytes) => bytes.length === 32);
  if (presented.length === 0) return refused('malformed_credentials');
  const expected = secrets.map((secret) =>
    hmac(standardWebhooksKey(secret), `${id}.${timestamp}.`, request.body),
  );
  return presented.some((signature) => matchesAny(signature, expected))
    ? accepted
    : refused('bad_credentials');
}

/** What a sender puts in `webhook-signature` (spillway-send and the tests use it). */
export function signStandardWebhooks(
  secret: string,
  id: string,
  timestamp: string,
  body: Uint8Array | string,
): string {
  return `v1,${hmac(standardWebhooksKey(secret), `${id}.${timestamp}.`, body).toString('base64')}`;
}
