import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { MAX_BODY_BYTES, RETRY_AFTER_SECONDS } from '../usecases/ingest-webhook';
import { lambdaContext } from './lambda-context';

export type HttpHandler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyStructuredResultV2>;

/**
 * The webhook body limit, enforced while the body streams in: a sender announcing or sending more
 * is refused before the rest is read or anything is parsed (API Gateway buffers up to 10 MB on
 * AWS, and the ingest function refuses the same bodies before it parses them).
 */
const WEBHOOK_MAX_BYTES = MAX_BODY_BYTES;

/** What `GET /metrics` answers: the Prometheus text exposition, with its content type. */
export interface Exposition {
  readonly contentType: string;
  readonly body: string;
}

export interface LocalRoutes {
  readonly ingest: HttpHandler;
  /** The body of `GET /status`, which the page at `/` polls. */
  readonly status: () => Promise<unknown>;
  readonly metrics?: () => Promise<Exposition>;
  /** `ok`, or what keeps the runtime from serving (`starting`, `emulator down`, …): 503 then. */
  readonly health: () => string;
  /**
   * Lets a request that needs the emulator through, or answers undefined while the emulator is
   * down or being restored; the caller releases what it was given when done.
   */
  readonly admit: () => (() => void) | undefined;
  readonly onRequest?: (line: string) => void;
}

const json = (
  response: ServerResponse,
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
) => {
  response.writeHead(statusCode, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
};

function readBody(request: IncomingMessage): Promise<Buffer | 'too_large'> {
  // Events, not `for await`: leaving that loop early destroys the socket, and with it the 413.
  return new Promise((resolve, reject) => {
    if (Number(request.headers['content-length'] ?? 0) > WEBHOOK_MAX_BYTES) {
      request.resume();
      resolve('too_large');
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      // Past the limit the rest is read and dropped, so the answer reaches a sender still writing.
      if (size <= WEBHOOK_MAX_BYTES) chunks.push(chunk);
    });
    request.on('end', () => resolve(size > WEBHOOK_MAX_BYTES ? 'too_large' : Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

/** The API Gateway HTTP API event for one request, as the ingest handler receives it on AWS. */
function gatewayEvent(
  request: IncomingMessage,
  url: URL,
  source: string,
  body: Buffer,
  heartbeatSite?: string,
): APIGatewayProxyEventV2 {
  const routeKey = heartbeatSite !== undefined ? 'POST /heartbeats/{site}' : 'POST /webhooks/{source}';
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  }
  const now = Date.now();
  return {
    version: '2.0',
    routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    pathParameters: heartbeatSite !== undefined ? { site: heartbeatSite } : { source },
    isBase64Encoded: true,
    body: body.toString('base64'),
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: url.host,
      domainPrefix: 'local',
      http: {
        method: request.method ?? 'POST',
        path: url.pathname,
        protocol: 'HTTP/1.1',
        sourceIp: request.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: `local-${now}`,
      routeKey,
      stage: '$default',
      time: new Date(now).toUTCString(),
      timeEpoch: now,
    },
  };
}

/** A request target that cannot be routed: bad input, so a 400 naming it, never a 5xx the sender retries. */
class MalformedPath extends Error {}

/**
 * Node hands over the request target as sent: an absolute-form target that is not a URL makes
 * `new URL` throw, and so does bad percent-encoding in `decodeURIComponent`.
 */
function parseTarget(target: string): URL {
  try {
    return new URL(target, 'http://local');
  } catch {
    throw new MalformedPath(`request target '${target.slice(0, 200)}' is not a valid URL`);
  }
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new MalformedPath(`path segment '${segment.slice(0, 200)}' is not valid percent-encoded UTF-8`);
  }
}

/** Read once: the page is static, everything on it comes from `GET /status`. */
const STATUS_PAGE = readFileSync(new URL('./status-page.html', import.meta.url), 'utf8');

/** The local-only endpoints that read the emulator, so pass the gate like a webhook does. */
const GATED_READS = new Set(['/status', '/metrics']);

/**
 * Stands in for API Gateway in front of the ingest function (`POST /webhooks/{source}` and
 * `POST /heartbeats/{site}`), plus local-only endpoints: the status
 * page at `GET /`, `GET /healthz`, `GET /status` and `GET /metrics`.
 */
export function startHttpServer(routes: LocalRoutes, port: number): Promise<Server> {
  const server = createServer(async (request, response) => {
    const target = request.url ?? '/';
    try {
      const url = parseTarget(target);
      if (request.method === 'GET' && url.pathname === '/healthz') {
        const health = routes.health();
        return json(response, health === 'ok' ? 200 : 503, { status: health });
      }
      if (request.method === 'GET' && url.pathname === '/') {
        response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
        return response.end(STATUS_PAGE);
      }
      const webhook =
        /^\/webhooks\/([^/]+)$/.exec(url.pathname) ?? /^\/heartbeats\/([^/]+)$/.exec(url.pathname);
      const heartbeat = url.pathname.startsWith('/heartbeats/');
      if (webhook?.[1] && request.method !== 'POST') {
        // A person pasting the webhook URL into a browser learns it exists and how to call it.
        request.resume();
        return json(
          response,
          405,
          { error: 'method_not_allowed', message: `${url.pathname} accepts POST only` },
          { allow: 'POST' },
        );
      }
      const read = request.method === 'GET' && GATED_READS.has(url.pathname) ? url.pathname : undefined;
      if (!read && !webhook?.[1]) {
        return json(response, 404, {
          error: 'not_found',
          message: `no route for ${request.method} ${url.pathname}`,
        });
      }
      const source = webhook ? decodeSegment(webhook[1] ?? '') : '';
      const release = routes.admit();
      if (!release) {
        // Nothing reaches the queue now, so nothing may be accepted: the sender retries.
        request.resume();
        routes.onRequest?.(`${request.method} ${url.pathname} → 503 (${routes.health()})`);
        return json(
          response,
          503,
          { error: 'unavailable', message: `${routes.health()}; retry` },
          { 'retry-after': String(RETRY_AFTER_SECONDS) },
        );
      }
      try {
        if (read === '/status') return json(response, 200, await routes.status());
        if (read === '/metrics') return await metrics(response, routes);
        return await ingest(request, response, url, source, routes, heartbeat);
      } finally {
        release();
      }
    } catch (error) {
      if (error instanceof MalformedPath) {
        request.resume();
        routes.onRequest?.(`${request.method} ${target.slice(0, 200)} → 400 ${error.message}`);
        return json(response, 400, { error: 'malformed_path', message: error.message });
      }
      // The gateway's answer when the function fails: a 5xx, so the sender retries.
      routes.onRequest?.(`${request.method} ${target.slice(0, 200)} → 502 ${(error as Error).message}`);
      return json(response, 502, { error: 'internal', message: 'the request could not be processed; retry' });
    }
  });
  return new Promise((done, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', () => done(server));
  });
}

async function ingest(
  request: IncomingMessage,
  response: ServerResponse,
  url: URL,
  source: string,
  routes: LocalRoutes,
  heartbeat = false,
): Promise<void> {
  const body = await readBody(request);
  if (body === 'too_large') {
    return json(response, 413, {
      error: 'payload_too_large',
      message: `body exceeds ${WEBHOOK_MAX_BYTES} bytes`,
    });
  }
  const result = await routes.ingest(
    gatewayEvent(request, url, source, body, heartbeat ? source : undefined),
    lambdaContext('spillway-ingest', 10),
  );
  routes.onRequest?.(`POST ${url.pathname} → ${result.statusCode} ${result.body ?? ''}`.slice(0, 240));
  response.writeHead(result.statusCode ?? 200, result.headers as Record<string, string>);
  response.end(result.body ?? '');
}

async function metrics(response: ServerResponse, routes: LocalRoutes): Promise<void> {
  if (!routes.metrics) return json(response, 404, { error: 'not_found', message: 'no metrics here' });
  const exposition = await routes.metrics();
  response.writeHead(200, { 'content-type': exposition.contentType });
  response.end(exposition.body);
}
