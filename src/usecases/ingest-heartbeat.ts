import { type SecretAuth, verifyRequest } from '../core/auth/verify-request';
import { cleanText } from '../core/normalise/text';
import type { HeartbeatEnvelope } from '../core/signal';
import {
  type IngestWebhookDeps,
  MAX_BODY_BYTES,
  RETRY_AFTER_SECONDS,
  type WebhookResponse,
} from './ingest-webhook';

export interface HeartbeatRequest {
  /** The `{site}` of `POST /heartbeats/{site}`, as sent. */
  readonly site: string;
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** Not read: a heartbeat says nothing but that the site is alive. Signed schemes sign it. */
  readonly body: Uint8Array | string;
}

const problem = (statusCode: number, error: string, message: string): WebhookResponse => ({
  statusCode,
  body: { error, message },
});

/** The secret entry heartbeats are checked against, unless the config names another. */
export const HEARTBEAT_SECRET = 'heartbeats';

/**
 * `POST /heartbeats/{site}`: a site saying it is alive. Authenticated like a webhook source (the
 * `signals.heartbeats` scheme) before anything else is said, so an anonymous caller learns no site
 * names; then an unknown site is a 404 naming the watched ones. The heartbeat goes on the signals
 * queue with the time Spillway received it, and 202 answers only once it is there.
 */
export async function ingestHeartbeat(
  request: HeartbeatRequest,
  deps: IngestWebhookDeps,
): Promise<WebhookResponse> {
  const response = await receive(request, deps);
  if (deps.metrics) {
    if (response.statusCode < 300) deps.metrics.record('SignalsAccepted', 1, { source: 'heartbeats' });
    else
      deps.metrics.record('SignalsRejected', 1, {
        source: 'heartbeats',
        reason: String(response.body.error ?? response.statusCode),
      });
  }
  return response;
}

async function receive(request: HeartbeatRequest, deps: IngestWebhookDeps): Promise<WebhookResponse> {
  const body =
    typeof request.body === 'string' ? Buffer.from(request.body, 'utf8') : Buffer.from(request.body);
  if (body.length > MAX_BODY_BYTES)
    return problem(413, 'payload_too_large', `body exceeds ${MAX_BODY_BYTES} bytes`);
  const auth = deps.config.signals.heartbeats.auth as SecretAuth;
  const secretName = ('secret' in auth && auth.secret) || HEARTBEAT_SECRET;
  let secrets: readonly string[];
  try {
    secrets = await deps.secrets(secretName);
  } catch (error) {
    deps.log.error('webhook secret store unavailable', {
      source: 'heartbeats',
      error: (error as Error).message,
    });
    return {
      ...problem(503, 'unavailable', 'credentials cannot be checked right now; retry'),
      headers: { 'retry-after': String(RETRY_AFTER_SECONDS) },
    };
  }
  const now = deps.clock();
  const verdict = verifyRequest(auth, { headers: request.headers, body, now }, secrets);
  if (!verdict.ok) {
    deps.log.warn('heartbeat rejected: bad or missing credentials', {
      site: cleanText(request.site, 64),
      scheme: auth.scheme,
      reason: verdict.reason,
    });
    return problem(401, 'unauthorized', 'missing or invalid credentials');
  }
  const watched = deps.config.sites.filter((s) => s.heartbeat).map((s) => s.id);
  if (!watched.includes(request.site))
    return problem(
      404,
      'unknown_site',
      `no site '${cleanText(request.site, 64)}' is watched for loss; watched: ${watched.join(', ') || 'none (no site has heartbeat settings)'}`,
    );
  const envelope: HeartbeatEnvelope = {
    kind: 'heartbeat',
    version: 1,
    heartbeat: { site: request.site, at: now.toISOString(), source: 'http' },
  };
  try {
    await deps.queue.enqueue([envelope]);
  } catch (error) {
    deps.log.error('heartbeat not queued', { site: request.site, error: (error as Error).message });
    return {
      ...problem(503, 'unavailable', 'the heartbeat could not be queued; retry'),
      headers: { 'retry-after': String(RETRY_AFTER_SECONDS) },
    };
  }
  return { statusCode: 202, body: { accepted: 1, site: request.site, at: envelope.heartbeat.at } };
}
