import type { SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { type CliDeps, runCli } from '../../../src/cli/run';
import { at } from '../factories';
import { fakeTarget } from './fake-connection';

/**
 * A dead-letter queue as SQS keeps one: a receive returns up to 10 visible messages and hides
 * them for its visibility timeout; a delete removes one; a send to the signals queue is recorded.
 */
function deadLetterQueue(ids: string[]) {
  const waiting = new Map(ids.map((id) => [id, { visible: true }]));
  const redriven: string[] = [];
  const sqs = {
    send: async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
      switch (command.constructor.name) {
        case 'ReceiveMessageCommand': {
          const batch = [...waiting].filter(([, m]) => m.visible).slice(0, 10);
          for (const [, message] of batch) message.visible = false;
          return {
            Messages: batch.map(([id]) => ({ MessageId: id, ReceiptHandle: id, Body: `{"id":"${id}"}` })),
          };
        }
        case 'SendMessageCommand':
          redriven.push(JSON.parse(String(command.input.MessageBody)).id);
          return {};
        case 'DeleteMessageCommand':
          waiting.delete(String(command.input.ReceiptHandle));
          return {};
        case 'ChangeMessageVisibilityCommand': {
          const message = waiting.get(String(command.input.ReceiptHandle));
          if (message) message.visible = true;
          return {};
        }
        default:
          throw new Error(`unexpected ${command.constructor.name}`);
      }
    },
  } as unknown as SQSClient;
  const visible = () => [...waiting].filter(([, m]) => m.visible).map(([id]) => id);
  return { sqs, redriven, visible };
}

function cliWith(sqs: SQSClient) {
  const out: string[] = [];
  const err: string[] = [];
  const deps: CliDeps = {
    connect: async () => ({
      target: fakeTarget(),
      store: {
        load: async () => {
          throw new Error('not read by dlq');
        },
        recentDecisions: async () => [],
        messageFailures: async () => new Map(),
      },
      sqs,
      compute: { describe: async () => [] },
    }),
    out: (text) => out.push(text),
    err: (text) => err.push(text),
    now: () => at(0),
    requestedBy: 'alice',
  };
  return { run: (...argv: string[]) => runCli(argv, deps), out, err };
}

const letters = Array.from({ length: 12 }, (_, i) => `m-${i + 1}`);

describe('spillway dlq redrive <id> ...', () => {
  it('moves the ids asked for, beyond the first receive of ten, and leaves the rest visible', async () => {
    // Prepare
    const dlq = deadLetterQueue(letters);
    const cli = cliWith(dlq.sqs);

    // Act
    const code = await cli.run('dlq', 'redrive', 'm-2', 'm-12');

    // Assess
    expect(code).toBe(0);
    expect(dlq.redriven.sort()).toEqual(['m-12', 'm-2']);
    expect(cli.out).toEqual(['moved 2 message(s) back to the signals queue']);
    expect(cli.err).toEqual([]);
    expect(dlq.visible()).toEqual(letters.filter((id) => id !== 'm-2' && id !== 'm-12'));
  });

  it('names the ids that are not in the dead-letter queue and exits 1, having moved the others', async () => {
    // Prepare
    const dlq = deadLetterQueue(letters);
    const cli = cliWith(dlq.sqs);

    // Act
    const code = await cli.run('dlq', 'redrive', 'm-3', 'm-404', 'gone-1');

    // Assess
    expect(code).toBe(1);
    expect(dlq.redriven).toEqual(['m-3']);
    expect(cli.out).toEqual(['moved 1 message(s) back to the signals queue']);
    expect(cli.err).toEqual([
      'spillway: not in the dead-letter queue: m-404, gone-1 (spillway dlq list shows what is there)',
    ]);
  });

  it('with nothing asked for, moves every dead letter and exits 0', async () => {
    // Prepare
    const dlq = deadLetterQueue(letters);
    const cli = cliWith(dlq.sqs);

    // Act
    const code = await cli.run('dlq', 'redrive');

    // Assess
    expect(code).toBe(0);
    expect(dlq.redriven.sort()).toEqual([...letters].sort());
    expect(dlq.visible()).toEqual([]);
  });
});
