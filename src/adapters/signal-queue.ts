import {
  SendMessageBatchCommand,
  type SendMessageBatchCommandOutput,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { DecideEnvelope } from '../core/signal';
import { AdapterError, wrap } from './errors';

/** The signals queue: the one way into the decide function for every source. */
export class SignalQueue {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
  ) {}

  /** Resolves only when every envelope is on the queue; throws otherwise, so the sender retries. */
  async enqueue(envelopes: readonly DecideEnvelope[]): Promise<void> {
    for (const batch of sendBatches(envelopes)) {
      let response: SendMessageBatchCommandOutput;
      try {
        response = await this.sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: this.queueUrl,
            Entries: batch.map((envelope, index) => ({
              Id: String(index),
              MessageBody: JSON.stringify(envelope),
              MessageAttributes: attributesOf(envelope),
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

/** Workload and source as message attributes, for operators reading the queue or the DLQ. */
function attributesOf(envelope: DecideEnvelope): Record<string, { DataType: string; StringValue: string }> {
  if (envelope.kind === 'command')
    return {
      workload: { DataType: 'String', StringValue: envelope.command.workload },
      source: { DataType: 'String', StringValue: 'operator' },
    };
  if (envelope.kind === 'heartbeat')
    return {
      site: { DataType: 'String', StringValue: envelope.heartbeat.site },
      source: { DataType: 'String', StringValue: envelope.heartbeat.source },
    };
  const first = envelope.kind === 'signal' ? envelope.signal : envelope.signals[0];
  return {
    workload: { DataType: 'String', StringValue: first?.workload ?? 'none' },
    source: { DataType: 'String', StringValue: first?.source ?? 'none' },
  };
}

/** A SendMessageBatch call takes at most 10 entries and, like one message, 256 KiB in total. */
const BATCH_MAX_BYTES = 250_000;

function* sendBatches(envelopes: readonly DecideEnvelope[]): Generator<DecideEnvelope[]> {
  let batch: DecideEnvelope[] = [];
  let size = 0;
  for (const envelope of envelopes) {
    const bytes = Buffer.byteLength(JSON.stringify(envelope), 'utf8') + 200;
    if (batch.length > 0 && (batch.length === 10 || size + bytes > BATCH_MAX_BYTES)) {
      yield batch;
      batch = [];
      size = 0;
    }
    batch.push(envelope);
    size += bytes;
  }
  if (batch.length > 0) yield batch;
}
