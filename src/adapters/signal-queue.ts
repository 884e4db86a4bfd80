import {
  SendMessageBatchCommand,
  type SendMessageBatchCommandOutput,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SignalEnvelope } from '../core/signal';
import { AdapterError, wrap } from './errors';

/** The signals queue: the one way into the decide function for every source. */
export class SignalQueue {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
  ) {}

  /** Resolves only when every envelope is on the queue; throws otherwise, so the sender retries. */
  async enqueue(envelopes: readonly SignalEnvelope[]): Promise<void> {
    for (let i = 0; i < envelopes.length; i += 10) {
      const batch = envelopes.slice(i, i + 10);
      let response: SendMessageBatchCommandOutput;
      try {
        response = await this.sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: this.queueUrl,
            Entries: batch.map((envelope, index) => ({
              Id: String(index),
              MessageBody: JSON.stringify(envelope),
              MessageAttributes: {
                workload: { DataType: 'String', StringValue: envelope.signal.workload },
                source: { DataType: 'String', StringValue: envelope.signal.source },
              },
            })),
          }),
        );
      } catch (error) {
        throw wrap('sqs', 'SendMessageBatch', error);
      }
      if (response.Failed && response.Failed.length > 0) {
        const first = response.Failed[0];
        throw new AdapterError(
          `sqs SendMessageBatch failed for ${response.Failed.length} message(s): ${first?.Message ?? 'no reason given'}`,
          'sqs',
          'SendMessageBatch',
        );
      }
    }
  }
}
