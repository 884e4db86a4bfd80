import type { SpillwayConfig } from '../config/schema';
import { certificateUrlAllowed, snsSignatureValid, subscribeUrlAllowed } from '../core/auth/sns-signature';
import type { AuthVerdict } from '../core/auth/verdict';
import { refused } from '../core/auth/verdict';
import { type SecretAuth, verifyRequest } from '../core/auth/verify-request';
import { parseStrictJson } from '../core/json/strict-json';
import { packEnvelopes } from '../core/normalise/envelopes';
import { type Normalised, rejectionStatus } from '../core/normalise/result';
import { parseSnsMessage, type SnsMessage } from '../core/normalise/sns';
import {
  isWebhookSource,
  type WebhookSourceSpec,
  webhookSource,
  webhookSources,
} from '../core/normalise/sources';
import { cleanText } from '../core/normalise/text';
import { takeWatchdogs } from '../core/normalise/watchdog';
import type { HeartbeatEnvelope, QueueEnvelope } from '../core/signal';
import type { Metrics } from './metrics';
import type { Log, SnsPort } from './ports';
import {
  bodyWithinLimit,
  problem,
  secretValues,
  unauthorized,
  unavailable,
  type WebhookResponse,
} from './webhook-answers';

export { MAX_BODY_BYTES, RETRY_AFTER_SECONDS, type WebhookResponse } from './webhook-answers';

/** At most this many ignored items are listed in a 202 answer; `ignoredCount` has them all. */
const IGNORED_LISTED = 50;

export interface WebhookRequest {
  readonly source: string;
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** The raw body, exactly as received (already decoded from base64 when the gateway encoded it). */
  readonly body: Uint8Array | string;
}

export interface IngestWebhookDeps {
  readonly config: SpillwayConfig;
  readonly queue: { enqueue(envelopes: readonly (QueueEnvelope | HeartbeatEnvelope)[]): Promise<void> };
  /**
   * Every currently valid value of one named webhook secret (several during a rotation); an empty
   * list when the secret has no such entry. Throws when the secret store cannot be read.
   */
  readonly secrets: (name: string) => Promise<readonly string[]>;
  readonly sns: SnsPort;
  readonly clock: () => Date;
  readonly log: Log;
  /** Absent: nothing is recorded. */
  readonly metrics?: Metrics;
}

/**
 * Takes one webhook delivery: authenticates it, translates it into signals and puts them on the
 * queue, one message per workload. Answers 2xx only once every signal is on the queue; 503 with
 * Retry-After when it could not, so the sender retries and nothing is lost.
 */
export async function ingestWebhook(
  request: WebhookRequest,
  deps: IngestWebhookDeps,
): Promise<WebhookResponse> {
  const response = await ingest(request, deps);
  if (deps.metrics) {
    // An unknown source is counted under one name: the path is the sender's to choose.
    const source = isWebhookSource(request.source) ? request.source : 'unknown';
    const accepted = Number(response.body.accepted ?? 0);
    if (response.statusCode < 300) {
      if (accepted > 0) deps.metrics.record('SignalsAccepted', accepted, { source });
    } else
      deps.metrics.record('SignalsRejected', 1, {
        source,
        reason: String(response.body.error ?? response.statusCode),
      });
  }
  return response;
}

async function ingest(request: WebhookRequest, deps: IngestWebhookDeps): Promise<WebhookResponse> {
  if (!isWebhookSource(request.source)) {
    return problem(
      404,
      'unknown_source',
      `no webhook source '${cleanText(request.source, 64)}'; known: ${webhookSources.join(', ')}`,
    );
  }
  const source = request.source;
  const spec = webhookSource(source, deps.config);
  const received = bodyWithinLimit(request.body);
  if ('refused' in received) return received.refused;
  const body = received.bytes;
  const now = deps.clock();

  if (spec.auth.scheme !== 'sns') {
    const secrets = await secretValues(spec.secretName, source, deps);
    if ('refused' in secrets) return secrets.refused;
    const verdict = verifyRequest(
      spec.auth as SecretAuth,
      { headers: request.headers, body, now },
      secrets.values,
    );
    if (!verdict.ok) return rejected(source, spec, verdict, deps);
  }

  const contentType = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (!contentType || !spec.contentTypes.includes(contentType)) {
    return problem(
      415,
      'unsupported_media_type',
      `content-type must be ${spec.contentTypes.join(' or ')}, got '${cleanText(contentType || 'none', 64)}'`,
    );
  }
  const json = parseStrictJson(body);
  if (!json.ok) {
    return problem(400, json.problem, `body is not valid JSON: ${json.message}`, { offset: json.offset });
  }
  const document = json.value;

  let input = document;
  if (spec.auth.scheme === 'sns') {
    const outcome = await receiveSns(document, spec, deps);
    if ('response' in outcome) return outcome.response;
    input = outcome.message.Message;
  }

  // A site's Watchdog is its heartbeat: taken out before translation, it can never be pressure.
  const watchdog = source === 'alertmanager' ? takeWatchdogs(input, deps.config) : undefined;
  if (watchdog) input = watchdog.body;
  const result = spec.normalise(input, now);
  if (!result.ok) {
    return problem(rejectionStatus[result.code], result.code, result.message, {
      ...(result.fields ? { fields: result.fields } : {}),
      ...(result.offset !== undefined ? { offset: result.offset } : {}),
    });
  }
  const heartbeats: HeartbeatEnvelope[] = (watchdog?.sites ?? []).map((site) => ({
    kind: 'heartbeat',
    version: 1,
    heartbeat: { site, at: now.toISOString(), source: 'alertmanager-watchdog' },
  }));
  const ignored = [...(watchdog?.ignored ?? []), ...result.ignored];
  return enqueue(source, { ...result, ignored }, deps, heartbeats);
}

function rejected(source: string, spec: WebhookSourceSpec, verdict: AuthVerdict, deps: IngestWebhookDeps) {
  // The reason is for the operator; the secret and what was presented never reach the log.
  deps.log.warn('webhook rejected: bad or missing credentials', {
    source,
    scheme: spec.auth.scheme,
    reason: verdict.ok ? 'accepted' : verdict.reason,
  });
  return unauthorized();
}

/**
 * SNS proves its messages with a signature over chosen fields, checked against a certificate
 * fetched only from SNS's own hosts; the topic must be one the config allows, since SNS signs for
 * anyone's topic. A subscription confirmation is answered by visiting its SubscribeURL.
 */
async function receiveSns(
  document: unknown,
  spec: WebhookSourceSpec,
  deps: IngestWebhookDeps,
): Promise<{ message: SnsMessage } | { response: WebhookResponse }> {
  const parsed = parseSnsMessage(document);
  if (!parsed.ok) {
    return { response: problem(400, 'malformed', parsed.message, { fields: parsed.fields ?? [] }) };
  }
  const message = parsed.message;
  const topicArns = spec.auth.scheme === 'sns' ? spec.auth.topicArns : [];
  const deny = (verdict: AuthVerdict) => ({ response: rejected('cloudwatch-sns', spec, verdict, deps) });
  if (!certificateUrlAllowed(message.SigningCertURL)) return deny(refused('certificate_url_not_allowed'));
  let certificate: string;
  try {
    certificate = await deps.sns.certificate(message.SigningCertURL);
  } catch (error) {
    deps.log.error('SNS signing certificate unavailable', { error: (error as Error).message });
    return { response: unavailable('the SNS signature cannot be checked right now; retry') };
  }
  if (!snsSignatureValid(message, certificate)) return deny(refused('bad_credentials'));
  if (!topicArns.includes(message.TopicArn)) return deny(refused('topic_not_allowed'));

  if (message.Type === 'SubscriptionConfirmation') {
    if (!message.SubscribeURL || !subscribeUrlAllowed(message.SubscribeURL)) {
      return {
        response: problem(400, 'malformed', 'SubscribeURL is not an SNS URL', { fields: ['SubscribeURL'] }),
      };
    }
    try {
      await deps.sns.confirmSubscription(message.SubscribeURL);
    } catch (error) {
      deps.log.error('SNS subscription not confirmed', {
        topicArn: message.TopicArn,
        error: (error as Error).message,
      });
      return { response: unavailable('the subscription could not be confirmed; retry') };
    }
    deps.log.info('SNS subscription confirmed', { topicArn: message.TopicArn });
    return { response: { statusCode: 200, body: { confirmed: true, topicArn: message.TopicArn } } };
  }
  if (message.Type === 'UnsubscribeConfirmation') {
    deps.log.warn('SNS unsubscribed this endpoint', { topicArn: message.TopicArn });
    return {
      response: { statusCode: 200, body: { accepted: 0, signalIds: [], ignored: [], ignoredCount: 0 } },
    };
  }
  return { message };
}

async function enqueue(
  source: string,
  result: Normalised,
  deps: IngestWebhookDeps,
  heartbeats: readonly HeartbeatEnvelope[] = [],
): Promise<WebhookResponse> {
  const envelopes = [...packEnvelopes(result.signals), ...heartbeats];
  if (envelopes.length > 0) {
    try {
      await deps.queue.enqueue(envelopes);
    } catch (error) {
      deps.log.error('signals not queued', {
        source,
        count: result.signals.length,
        error: (error as Error).message,
      });
      return unavailable('signals could not be queued; retry');
    }
  }
  const truncated = result.truncatedAlerts ?? 0;
  if (truncated > 0) {
    // The sender dropped alerts before sending: what Spillway decides may miss some of them.
    deps.log.warn('sender truncated alerts', { source, truncatedAlerts: truncated });
  }
  deps.log.info('signals queued', {
    source,
    queued: result.signals.length,
    messages: envelopes.length,
    ignored: result.ignored.length,
  });
  return {
    statusCode: 202,
    body: {
      accepted: result.signals.length,
      signalIds: result.signals.map((s) => s.id),
      ignored: result.ignored.slice(0, IGNORED_LISTED),
      ignoredCount: result.ignored.length,
      ...(truncated > 0 ? { truncatedAlerts: truncated } : {}),
      ...(heartbeats.length > 0 ? { heartbeats: heartbeats.map((h) => h.heartbeat.site) } : {}),
    },
  };
}
