import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ECSClient } from '@aws-sdk/client-ecs';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SQSClient } from '@aws-sdk/client-sqs';
import { type Emulator, startMoto } from '../../src/local/emulator';

/**
 * Clients for a moto started by the runtime's own code, with its patches. One attempt per call:
 * a retry would hide the 500 a race in moto answers.
 */
export async function patchedMoto() {
  const moto: Emulator = await startMoto();
  const config = {
    region: 'us-east-1',
    endpoint: moto.endpoint,
    maxAttempts: 1,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  };
  return {
    moto,
    dynamo: new DynamoDBClient(config),
    sqs: new SQSClient(config),
    ecs: new ECSClient(config),
    sfn: new SFNClient(config),
  };
}

export type PatchedMoto = Awaited<ReturnType<typeof patchedMoto>>;

/** Every promise settled: what each call answered, whatever the others did. */
export async function settleAll<T>(calls: readonly Promise<T>[]) {
  const settled = await Promise.allSettled(calls);
  return {
    values: settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : [])),
    errors: settled.flatMap((s) => (s.status === 'rejected' ? [(s.reason as Error).name] : [])),
  };
}
