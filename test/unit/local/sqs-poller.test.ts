import type { SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { createGate } from '../../../src/local/gate';
import { startSqsPoller } from '../../../src/local/sqs-poller';

/** A queue holding the given message ids; records every call by command name. */
function fakeQueue(ids: string[]) {
  const calls: string[] = [];
  let waiting: (() => void)[] = [];
  const sqs = {
    send: async (command: { constructor: { name: string } }) => {
      const name = command.constructor.name.replace(/Command$/, '');
      calls.push(name);
      for (const wake of waiting) wake();
      waiting = [];
      if (name === 'ReceiveMessage') {
        const batch = ids.splice(0, 10);
        // An empty queue answers on the next turn of the event loop, like a short long-poll.
        if (batch.length === 0) await new Promise((r) => setImmediate(r));
        return { Messages: batch.map((id) => ({ MessageId: id, ReceiptHandle: `rh-${id}`, Body: '{}' })) };
      }
      return {};
    },
  };
  return {
    sqs: sqs as unknown as SQSClient,
    calls,
    /** Resolves on the next call the poller makes. */
    nextCall: () => new Promise<void>((done) => waiting.push(done)),
  };
}

const options = (sqs: SQSClient, handler: (event: SQSEvent) => Promise<SQSBatchResponse>) => ({
  sqs,
  queueUrl: 'http://127.0.0.1:1/123456789012/signals',
  queueArn: 'arn:aws:sqs:us-east-1:123456789012:signals',
  region: 'us-east-1',
  handler,
  retrySeconds: 1,
  concurrency: 2,
});

describe('the local SQS poller behind the emulator gate', () => {
  it('receives nothing while the gate is closed, and picks up once it opens', async () => {
    // Prepare
    const queue = fakeQueue(['m1']);
    const gate = createGate();
    await gate.close();
    const handled: string[] = [];
    const poller = startSqsPoller({
      ...options(queue.sqs, async (event) => {
        handled.push(...event.Records.map((r) => r.messageId));
        return { batchItemFailures: [] };
      }),
      gate,
    });

    // Act
    await new Promise((r) => setImmediate(r));
    const callsWhileClosed = [...queue.calls];
    gate.open();
    await queue.nextCall();
    await poller.idle();
    await poller.stop();

    // Assess
    expect(callsWhileClosed).toEqual([]);
    expect(handled).toEqual(['m1']);
    expect(queue.calls).toContain('DeleteMessageBatch');
  });

  it('stops while lanes wait at a closed gate', async () => {
    // Prepare
    const queue = fakeQueue([]);
    const gate = createGate();
    await gate.close();
    const poller = startSqsPoller({ ...options(queue.sqs, async () => ({ batchItemFailures: [] })), gate });

    // Act / Assess: resolves rather than hanging on the gate.
    await poller.stop();
    expect(queue.calls).toEqual([]);
  });

  it('holds the gate through a batch: closing waits until the batch is handled and settled', async () => {
    // Prepare: a handler that blocks until the test lets it finish.
    const queue = fakeQueue(['m1', 'm2']);
    const gate = createGate();
    let finish: () => void = () => {};
    let started: () => void = () => {};
    const handlerStarted = new Promise<void>((done) => {
      started = done;
    });
    const poller = startSqsPoller({
      ...options(queue.sqs, async () => {
        started();
        await new Promise<void>((done) => {
          finish = done;
        });
        return { batchItemFailures: [{ itemIdentifier: 'm2' }] };
      }),
      gate,
    });
    await handlerStarted;

    // Act
    let closed = false;
    const closing = gate.close().then(() => {
      closed = true;
    });
    await new Promise((r) => setImmediate(r));
    const closedMidBatch = closed;
    finish();
    await closing;
    const settledBeforeClosed = [...queue.calls];
    gate.open();
    await poller.stop();

    // Assess
    expect(closedMidBatch).toBe(false);
    expect(settledBeforeClosed).toEqual(
      expect.arrayContaining(['ReceiveMessage', 'DeleteMessageBatch', 'ChangeMessageVisibility']),
    );
  });
});
