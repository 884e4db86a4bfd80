import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { ingestDeps } from '../../src/runtime/ingest-wiring';
import { logFor } from '../../src/runtime/log-sink';
import { metricsFor } from '../../src/runtime/metrics-sink';
import { readSettings } from '../../src/runtime/settings';
import { sourceMappedErrors } from '../../src/runtime/source-mapped-errors';
import { ingestHeartbeat } from '../../src/usecases/ingest-heartbeat';
import { ingestWebhook } from '../../src/usecases/ingest-webhook';

const logger = new Logger({ serviceName: 'spillway', persistentKeys: { fn: 'ingest' } });
const settings = readSettings();
const deps = { ...ingestDeps(settings, logFor('ingest', logger)), metrics: metricsFor(settings) };

const lowerCaseHeaders = (headers: APIGatewayProxyEventV2['headers']) =>
  Object.fromEntries(Object.entries(headers ?? {}).map(([name, value]) => [name.toLowerCase(), value]));

/**
 * POST /webhooks/{source}: one monitor delivery in, signals on the queue out. POST
 * /heartbeats/{site}: a site saying it is alive, a heartbeat on the queue out.
 */
export const lambdaHandler = async (
  event: APIGatewayProxyEventV2,
): Promise<APIGatewayProxyStructuredResultV2> => {
  // Verify and parse exactly the bytes that were sent: the gateway base64-encodes some bodies, and
  // signatures cover bytes, so the body stays bytes until after they are checked.
  const body = event.isBase64Encoded ? Buffer.from(event.body ?? '', 'base64') : (event.body ?? '');
  const headers = lowerCaseHeaders(event.headers);
  const site = event.pathParameters?.site;
  const response =
    site !== undefined
      ? await ingestHeartbeat({ site, headers, body }, deps)
      : await ingestWebhook({ source: event.pathParameters?.source ?? '', headers, body }, deps);
  return {
    statusCode: response.statusCode,
    headers: { 'content-type': 'application/json', ...response.headers },
    body: JSON.stringify(response.body),
  };
};

export const handler = middy(lambdaHandler).use(injectLambdaContext(logger)).use(sourceMappedErrors());
