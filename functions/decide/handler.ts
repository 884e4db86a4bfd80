import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { decideDeps } from '../../src/runtime/decide-wiring';
import { logFor } from '../../src/runtime/log-sink';
import { metricsFor } from '../../src/runtime/metrics-sink';
import { readSettings } from '../../src/runtime/settings';
import { sourceMappedErrors } from '../../src/runtime/source-mapped-errors';
import { processBatch } from '../../src/usecases/process-batch';

const logger = new Logger({ serviceName: 'spillway', persistentKeys: { fn: 'decide' } });
const settings = readSettings();
const deps = { ...decideDeps(settings, logFor('decide', logger)), metrics: metricsFor(settings) };

/** Consumes the signals queue; reports partial batch failures so one bad message never blocks nine. */
export const lambdaHandler = async (event: SQSEvent): Promise<SQSBatchResponse> => {
  const failed = await processBatch(
    event.Records.map((record) => ({ messageId: record.messageId, body: record.body })),
    deps,
  );
  return { batchItemFailures: failed.map((itemIdentifier) => ({ itemIdentifier })) };
};

export const handler = middy(lambdaHandler).use(injectLambdaContext(logger)).use(sourceMappedErrors());
