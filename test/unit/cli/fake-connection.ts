import type { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Connection } from '../../../src/cli/connect';
import type { SpillwayConfig } from '../../../src/config/schema';
import { aConfig, aState } from '../factories';

/** Where a CLI test's commands go: a local environment with the given config. */
export const fakeTarget = (config: SpillwayConfig = aConfig()): Connection['target'] => ({
  environment: 'local',
  config,
  region: 'us-east-1',
  endpoint: undefined,
  stateTable: 'state',
  signalsQueueUrl: 'https://queue/signals',
  signalsDlqUrl: 'https://queue/dlq',
});

/** A signals queue that keeps the body of every message sent to it in `sent`. */
export const capturingSqs = (sent: Record<string, unknown>[]): SQSClient =>
  ({
    send: async (command: SendMessageBatchCommand) => {
      for (const entry of command.input.Entries ?? []) sent.push(JSON.parse(entry.MessageBody ?? '{}'));
      return { Successful: [], Failed: [] };
    },
  }) as unknown as SQSClient;

/** A state store that knows every workload in its empty state and no decision or failure. */
export const emptyStore = (): Connection['store'] => ({
  load: async (workload) => aState({ workload }),
  recentDecisions: async () => [],
  messageFailures: async () => new Map(),
});
