import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';

/**
 * What a probe of the emulator found:
 * - `ok`: it answers and still has Spillway's signals queue and state table;
 * - `down`: nothing listens on its port;
 * - `empty`: it answers but those resources are gone (it restarted, and moto keeps nothing);
 * - `unknown`: it answered slowly or oddly (busy under load): no reason to act.
 */
export type EmulatorHealth = 'ok' | 'down' | 'empty' | 'unknown';

/** What each emulator says when asked for a queue or table it does not have. */
const MISSING = new Set([
  'QueueDoesNotExist',
  'AWS.SimpleQueueService.NonExistentQueue',
  'ResourceNotFoundException',
]);

/**
 * Only a refused connection proves nothing listens. A timeout or a reset comes from a busy moto
 * too, and pausing the runtime for that would only slow it further.
 */
export function classifyProbeError(error: unknown): Exclude<EmulatorHealth, 'ok'> {
  if (!(error instanceof Error)) return 'unknown';
  if ((error as { code?: unknown }).code === 'ECONNREFUSED') return 'down';
  if (error instanceof AggregateError && error.errors.some((e) => classifyProbeError(e) === 'down'))
    return 'down';
  if (MISSING.has(error.name)) return 'empty';
  return 'unknown';
}

export interface ProbeTarget {
  readonly endpoint: string;
  readonly region: string;
  readonly signalsQueueUrl: string;
  readonly stateTable: string;
}

/** A probe of the two resources every signal needs, each one call, without retries. */
export function emulatorProbe(target: ProbeTarget): () => Promise<EmulatorHealth> {
  const options = {
    region: target.region,
    endpoint: target.endpoint,
    maxAttempts: 1,
    requestHandler: { connectionTimeout: 2000, requestTimeout: 5000 },
  };
  const sqs = new SQSClient(options);
  const queueName = target.signalsQueueUrl.split('/').at(-1) as string;
  const dynamo = new DynamoDBClient(options);
  return async () => {
    try {
      // GetQueueUrl, not GetQueueAttributes: moto counts every message for the latter.
      await sqs.send(new GetQueueUrlCommand({ QueueName: queueName }));
      await dynamo.send(new DescribeTableCommand({ TableName: target.stateTable }));
      return 'ok';
    } catch (error) {
      return classifyProbeError(error);
    }
  };
}
