import { createHash, timingSafeEqual } from 'node:crypto';
import { normaliseAlertmanager } from '../core/normalise/alertmanager';
import type { NormaliseResult } from '../core/normalise/result';
import type { SignalEnvelope } from '../core/signal';
import type { IngestDeps } from './ports';

/** Larger bodies are refused with 413; Alertmanager groups of a few thousand alerts stay well below. */
export const MAX_BODY_BYTES = 1024 * 1024;

/** How long a sender should wait before retrying when Spillway could not take its alerts. */
export const RETRY_AFTER_SECONDS = 5;

export interface WebhookRequest {
  readonly source: string;
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** The raw body, exactly as received (already decoded from base64 when the gateway encoded it). */
  readonly body: string;
}

export interface WebhookResponse {
  readonly statusCode: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body: Readonly<Record<string, unknown>>;
}

type Normaliser = (body: unknown, deps: IngestDeps) => NormaliseResult;

const normalisers: Readonly<Record<string, Normaliser>> = {
  alertmanager: (body, deps) =>
    normaliseAlertmanager(
      body,
      {
        workloadLabel: deps.config.signals.alertmanager.workloadLabel,
        knownWorkloads: new Set(deps.config.workloads.map((w) => w.name)),
      },
      deps.clock(),
    ),
};

export const webhookSources = Object.keys(normalisers);

const problem = (
  statusCode: number,
  error: string,
  message: string,
  extra: Record<string, unknown> = {},
) => ({
  statusCode,
  body: { error, message, ...extra },
});

/**
 * Takes one webhook delivery: authenticates it, translates it into signals and puts them on the
 * queue. Answers 2xx only once every signal is on the queue; 5xx when it could not, so the
 * sender retries and nothing is lost.
 */
export async function ingestWebhook(request: WebhookRequest, deps: IngestDeps): Promise<WebhookResponse> {
  const normalise = Object.hasOwn(normalisers, request.source) ? normalisers[request.source] : undefined;
  if (!normalise) {
    return problem(
      404,
      'unknown_source',
      `no webhook source '${request.source}'; known: ${webhookSources.join(', ')}`,
    );
  }

  let tokens: readonly string[];
  try {
    tokens = await deps.webhookTokens();
  } catch (error) {
    deps.log.error('webhook token store unavailable', {
      source: request.source,
      error: (error as Error).message,
    });
    return {
      ...problem(503, 'unavailable', 'credentials cannot be checked right now; retry'),
      headers: retryAfter,
    };
  }
  if (!bearerMatches(request.headers.authorization, tokens)) {
    deps.log.warn('webhook rejected: bad or missing credentials', {
      source: request.source,
      hasAuthorization: request.headers.authorization !== undefined,
    });
    return problem(401, 'unauthorized', 'missing or invalid credentials');
  }

  const contentType = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (contentType !== 'application/json') {
    return problem(
      415,
      'unsupported_media_type',
      `content-type must be application/json, got '${contentType || 'none'}'`,
    );
  }
  if (Buffer.byteLength(request.body, 'utf8') > MAX_BODY_BYTES) {
    return problem(413, 'payload_too_large', `body exceeds ${MAX_BODY_BYTES} bytes`);
  }
  let document: unknown;
  try {
    document = JSON.parse(request.body);
  } catch (error) {
    return problem(400, 'malformed_json', `body is not valid JSON: ${(error as Error).message}`);
  }

  const result = normalise(document, deps);
  if (!result.ok) {
    const status = result.code === 'unknown_workload' ? 422 : 400;
    return problem(status, result.code, result.message, result.fields ? { fields: result.fields } : {});
  }

  const envelopes: SignalEnvelope[] = result.signals.map((signal) => ({
    kind: 'signal',
    version: 1,
    signal,
  }));
  try {
    await deps.queue.enqueue(envelopes);
  } catch (error) {
    deps.log.error('signals not queued', {
      source: request.source,
      count: envelopes.length,
      error: (error as Error).message,
    });
    return { ...problem(503, 'unavailable', 'signals could not be queued; retry'), headers: retryAfter };
  }
  deps.log.info('signals queued', {
    source: request.source,
    queued: envelopes.length,
    ignored: result.ignored.length,
  });
  return {
    statusCode: 202,
    body: {
      accepted: envelopes.length,
      signalIds: result.signals.map((s) => s.id),
      ignored: result.ignored,
    },
  };
}

const retryAfter = { 'retry-after': String(RETRY_AFTER_SECONDS) };

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/** Constant-time comparison against every accepted token (hashing first evens out the lengths). */
export function bearerMatches(authorization: string | undefined, tokens: readonly string[]): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  if (!match?.[1]) return false;
  const presented = sha256(match[1]);
  let ok = false;
  for (const token of tokens) if (token && timingSafeEqual(presented, sha256(token))) ok = true;
  return ok;
}
