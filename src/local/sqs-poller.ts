import {
  ChangeMessageVisibilityCommand,
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { Gate } from './gate';
import { lambdaContext } from './lambda-context';

export type SqsHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

export interface PollerOptions {
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  readonly queueArn: string;
  readonly region: string;
  readonly handler: SqsHandler;
  /** How soon a failed message is retried; Lambda waits for the queue's visibility timeout. */
  readonly retrySeconds: number;
  /** Batches handled at once, as Lambda scales an SQS event source out over concurrent invocations. */
  readonly concurrency: number;
  readonly onBatch?: (report: { received: number; failed: number; error?: string }) => void;
  /** Each receive-and-handle round passes it; closed, the poller waits (the emulator is restored). */
  readonly gate?: Pick<Gate, 'enter'>;
}

function toRecord(message: Message, queueArn: string, region: string): SQSEvent['Records'][number] {
  return {
    messageId: message.MessageId as string,
    receiptHandle: message.ReceiptHandle as string,
    body: message.Body ?? '',
    attributes: {
      ApproximateReceiveCount: message.Attributes?.ApproximateReceiveCount ?? '1',
      SentTimestamp: message.Attributes?.SentTimestamp ?? String(Date.now()),
      SenderId: message.Attributes?.SenderId ?? 'local',
      ApproximateFirstReceiveTimestamp:
        message.Attributes?.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
    },
    messageAttributes: {},
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: region,
  };
}

/**
 * Stands in for Lambda's SQS event source mapping: receives batches of up to 10, invokes the
 * handler, deletes what succeeded and leaves the reported failures (or, when the handler throws,
 * the whole batch) on the queue to be retried and, past maxReceiveCount, dead-lettered.
 */
export function startSqsPoller(options: PollerOptions): { stop(): Promise<void>; idle(): Promise<void> } {
  let running = true;
  let inFlight = 0;
  let waiters: (() => void)[] = [];
  let wakeStopped: () => void = () => {};
  const stopped = new Promise<undefined>((done) => {
    wakeStopped = () => done(undefined);
  });
  /** Waits for the gate, or for stop(); a pass granted after stop() is handed straight back. */
  const pass = async (): Promise<(() => void) | undefined> => {
    if (!options.gate) return () => {};
    const entering = options.gate.enter();
    const release = await Promise.race([entering, stopped]);
    if (!release) void entering.then((late) => late());
    return release;
  };
  /** One receive, one handler invocation, one settlement. */
  const round = async () => {
    let messages: Message[] = [];
    try {
      const received = await options.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: options.queueUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 1,
          MessageSystemAttributeNames: ['All'],
        }),
      );
      messages = received.Messages ?? [];
    } catch (error) {
      options.onBatch?.({ received: 0, failed: 0, error: `receive failed: ${(error as Error).message}` });
      await new Promise((r) => setTimeout(r, 1000));
      return;
    }
    if (messages.length === 0) {
      if (inFlight === 0) {
        for (const wake of waiters) wake();
        waiters = [];
      }
      return;
    }
    inFlight++;
    let failedIds: Set<string>;
    let error: string | undefined;
    try {
      const response = await options.handler(
        { Records: messages.map((m) => toRecord(m, options.queueArn, options.region)) },
        lambdaContext('spillway-decide', 60),
      );
      failedIds = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
    } catch (thrown) {
      failedIds = new Set(messages.map((m) => m.MessageId as string));
      error = (thrown as Error).message;
    }
    try {
      const succeeded = messages.filter((m) => !failedIds.has(m.MessageId as string));
      if (succeeded.length > 0) {
        await options.sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: options.queueUrl,
            Entries: succeeded.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle as string })),
          }),
        );
      }
      for (const message of messages.filter((m) => failedIds.has(m.MessageId as string))) {
        await options.sqs.send(
          new ChangeMessageVisibilityCommand({
            QueueUrl: options.queueUrl,
            ReceiptHandle: message.ReceiptHandle as string,
            VisibilityTimeout: options.retrySeconds,
          }),
        );
      }
    } catch (settleError) {
      error = `${error ?? ''} settle failed: ${(settleError as Error).message}`.trim();
    }
    inFlight--;
    options.onBatch?.({ received: messages.length, failed: failedIds.size, ...(error ? { error } : {}) });
  };
  const lane = async () => {
    while (running) {
      const release = await pass();
      if (!release) return;
      try {
        if (running) await round();
      } finally {
        release();
      }
    }
  };
  const loop = Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, lane));
  return {
    stop: async () => {
      running = false;
      wakeStopped();
      for (const wake of waiters) wake();
      await loop;
    },
    /** Resolves once the queue has been seen empty with no batch in flight. */
    idle: () =>
      new Promise<void>((done) => {
        if (!running) return done();
        waiters.push(done);
      }),
  };
}
