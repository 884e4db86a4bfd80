import { type SecretAuth, verifyRequest } from '../core/auth/verify-request';
import { cleanText } from '../core/normalise/text';
import type { HeartbeatEnvelope } from '../core/signal';
import { watchedSites } from '../core/site-health';
import type { IngestWebhookDeps } from './ingest-webhook';
import {
  bodyWithinLimit,
  problem,
  secretValues,
  unauthorized,
  unavailable,
  type WebhookResponse,
} from './webhook-answers';

export interface HeartbeatRequest {
  /** The `{site}` of `POST /heartbeats/{site}`, as sent. */
  readonly site: string;
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** Not read: a heartbeat says nothing but that the site is alive. Signed schemes sign it. */
  readonly body: Uint8Array | string;
}

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
  const received = bodyWithinLimit(request.body);
  if ('refused' in received) return received.refused;
  const body = received.bytes;
  const auth = deps.config.signals.heartbeats.auth as SecretAuth;
  const secretName = ('secret' in auth && auth.secret) || HEARTBEAT_SECRET;
  const secrets = await secretValues(secretName, 'heartbeats', deps);
  if ('refused' in secrets) return secrets.refused;
  const now = deps.clock();
  const verdict = verifyRequest(auth, { headers: request.headers, body, now }, secrets.values);
  if (!verdict.ok) {
    deps.log.warn('heartbeat rejected: bad or missing credentials', {
      site: cleanText(request.site, 64),
      scheme: auth.scheme,
      reason: verdict.reason,
    });
    return unauthorized();
  }
  const watched = watchedSites(deps.config).map((w) => w.site);
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
    return unavailable('the heartbeat could not be queued; retry');
  }
  return { statusCode: 202, body: { accepted: 1, site: request.site, at: envelope.heartbeat.at } };
}
